namespace VSwitch.Core.Config;

/// <summary>The FDB's bounds: learned entries table-wide and per port.</summary>
public sealed class FdbConfig
{
    public int MaxEntries { get; set; } = Fdb.FdbLimits.DefaultMaxEntries;
    public int MaxEntriesPerPort { get; set; } = Fdb.FdbLimits.DefaultMaxEntriesPerPort;
}
