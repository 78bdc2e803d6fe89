namespace VSwitch.Core.Fdb;

/// <summary>What one call to <see cref="ForwardingDatabase.Learn"/> did.</summary>
public enum LearnResult : byte
{
    /// <summary>Already known on this port and refreshed recently: nothing written.</summary>
    Unchanged,
    Refreshed,
    Learned,
    /// <summary>The MAC was on another port and moved to this one.</summary>
    Moved,
    /// <summary>A static entry owns this MAC; learning never overrides it.</summary>
    StaticConflict,
    RefusedTableFull,
    RefusedPortLimit,
}
