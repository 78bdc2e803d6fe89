namespace VSwitch.Core.Control;

/// <summary>The persisted configuration: what a restart rebuilds. Written by the daemon after every change.</summary>
public sealed class SwitchConfig
{
    public List<BridgeConfig> Bridges { get; set; } = [];
    /// <summary>Microsoft.Extensions.Logging level name; the command line overrides it.</summary>
    public string? LogLevel { get; set; }
    /// <summary>Datapath worker threads; 0 means the default: one per core, one on a host of two cores or fewer (LinuxDatapath.DefaultWorkers).</summary>
    public int Workers { get; set; }
    /// <summary>
    /// How long a worker keeps polling after its last frame before it sleeps in epoll_wait, in µs: a
    /// frame inside that window skips a thread wake-up, which on a VM costs tens of µs. The poll yields
    /// the core to any other runnable thread on it after every empty poll; an idle switch sleeps.
    /// 0 turns it off. The default, 20 ms, outlasts the gap between pings at 100/s; its price is a core
    /// kept busy (yielding) while frames come at least every 20 ms. After heavy traffic a worker polls
    /// at most 1 ms (Worker.HeavyBusyPollTicks). perf/README.md has the measurements.
    /// </summary>
    public int BusyPollMicroseconds { get; set; } = DefaultBusyPollMicroseconds;
    public const int DefaultBusyPollMicroseconds = 20_000;
    public const int MaxBusyPollMicroseconds = 100_000;
    public FdbConfig Fdb { get; set; } = new();
    /// <summary>Bonds made with addbond; bridges name them as their pif.</summary>
    public List<BondConfig> Bonds { get; set; } = [];
}

public sealed class BondConfig
{
    public string Name { get; set; } = "";
    public string? Uuid { get; set; }
    public List<string> Members { get; set; } = [];
    /// <summary>The members' own PIF UUIDs, by member name.</summary>
    public Dictionary<string, string> MemberUuids { get; set; } = [];
    /// <summary>active-backup or balance-slb.</summary>
    public string Mode { get; set; } = "active-backup";
    /// <summary>The MAC given to addbond; absent means the first member's.</summary>
    public string? Mac { get; set; }
    public string? Primary { get; set; }
    public int UpdelayMs { get; set; }
    public int DowndelayMs { get; set; }
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
    /// <summary>The 802.1Q VLAN a VLAN network carries on its pif; absent for an untagged network.</summary>
    public int? Vlan { get; set; }
    public string? PifUuid { get; set; }
    public Dictionary<string, string> PifOtherConfig { get; set; } = [];
    /// <summary>
    /// The bridge's MAC: its PIF's, as it was when last saved. A restart that finds the PIF missing gives the
    /// bridge this one, so its host interface keeps its address while the NIC is away.
    /// </summary>
    public string? Mac { get; set; }
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
    /// <summary>Trunk mode: the VLANs the guest may tag with, as "10,20-30"; absent for untagged only.</summary>
    public string? Trunks { get; set; }
    /// <summary>For stream ports: the largest L3 payload the guest takes (its MTU); absent for 1500.</summary>
    public int? Mtu { get; set; }
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
