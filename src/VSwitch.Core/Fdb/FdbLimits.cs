namespace VSwitch.Core.Fdb;

/// <summary>
/// Bounds on the FDB. A flood of random source MACs (a broken guest, or an attacker) must not grow
/// memory or push out everyone else's entries, so learning stops at these limits and the refusals are
/// counted. Defaults: 262,144 learned entries table-wide, 65,536 per port, like a mid-range hardware switch.
/// </summary>
public sealed record FdbLimits(int MaxEntries = FdbLimits.DefaultMaxEntries,
    int MaxEntriesPerPort = FdbLimits.DefaultMaxEntriesPerPort)
{
    public const int DefaultMaxEntries = 262_144;
    public const int DefaultMaxEntriesPerPort = 65_536;
    /// <summary>The most fdb.maxEntries may ask for: a table of 8 M slots, 128 MB, allocated at start.</summary>
    public const int MaxTableEntries = 4 * 1024 * 1024;
    public static FdbLimits Default { get; } = new();
}
