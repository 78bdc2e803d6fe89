namespace VSwitch.Core.Control;

/// <summary>The persisted configuration: what a restart rebuilds. Written by the daemon after every change.</summary>
public sealed class SwitchConfig
{
    public List<BridgeConfig> Bridges { get; set; } = [];
    /// <summary>Microsoft.Extensions.Logging level name; the command line overrides it.</summary>
    public string? LogLevel { get; set; }
    /// <summary>Datapath worker threads; 0 means one per core.</summary>
    public int Workers { get; set; }
    public FdbConfig Fdb { get; set; } = new();
}

public sealed class BridgeConfig
{
    public string Name { get; set; } = "";
    /// <summary>The uplink device of an external bridge; null for an internal bridge.</summary>
    public string? Pif { get; set; }
    public int AgeingSeconds { get; set; } = Bridge.DefaultAgeingSeconds;
    public List<PortConfig> Ports { get; set; } = [];
}

public sealed class PortConfig
{
    public string Name { get; set; } = "";
    public PortKind Kind { get; set; }
    /// <summary>For tap ports: the MAC given to the kernel side, kept across restarts.</summary>
    public string? Mac { get; set; }
}

public sealed class FdbConfig
{
    public int MaxEntries { get; set; } = Fdb.FdbLimits.DefaultMaxEntries;
    public int MaxEntriesPerPort { get; set; } = Fdb.FdbLimits.DefaultMaxEntriesPerPort;
}
