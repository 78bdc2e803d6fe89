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

/// <summary>A bridge, which xe calls a network, with its uplink (xe's PIF) when it is external.</summary>
public sealed class BridgeConfig
{
    public string Name { get; set; } = "";
    /// <summary>The network's UUID; generated when absent, so configs written by hand get one.</summary>
    public string? Uuid { get; set; }
    /// <summary>xe's name-label; the bridge name when absent.</summary>
    public string? NameLabel { get; set; }
    public Dictionary<string, string> OtherConfig { get; set; } = [];
    /// <summary>The uplink device of an external bridge; null for an internal bridge.</summary>
    public string? Pif { get; set; }
    public string? PifUuid { get; set; }
    public Dictionary<string, string> PifOtherConfig { get; set; } = [];
    /// <summary>The management address, set by pif-reconfigure-ip; it lives on the bridge's host interface.</summary>
    public ManagementAddressConfig? Management { get; set; }
    public int AgeingSeconds { get; set; } = Bridge.DefaultAgeingSeconds;
    public List<PortConfig> Ports { get; set; } = [];
    /// <summary>Static FDB entries added with `fdb add`.</summary>
    public List<StaticMacConfig> StaticMacs { get; set; } = [];
}

public sealed class PortConfig
{
    public string Name { get; set; } = "";
    public string? Uuid { get; set; }
    public PortKind Kind { get; set; }
    /// <summary>For tap ports: the MAC of the kernel side. For VIFs: the guest's MAC, printed for QEMU's -device.</summary>
    public string? Mac { get; set; }
    /// <summary>For VIFs: the user (name or uid) that may open the TAP, so that an unprivileged QEMU can.</summary>
    public string? Owner { get; set; }
}

public sealed class StaticMacConfig
{
    public string Mac { get; set; } = "";
    public string Port { get; set; } = "";
}

public sealed class ManagementAddressConfig
{
    public string Ip { get; set; } = "";
    public string Netmask { get; set; } = "";
}

public sealed class FdbConfig
{
    public int MaxEntries { get; set; } = Fdb.FdbLimits.DefaultMaxEntries;
    public int MaxEntriesPerPort { get; set; } = Fdb.FdbLimits.DefaultMaxEntriesPerPort;
}
