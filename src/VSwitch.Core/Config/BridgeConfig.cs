using VSwitch.Core.Control;

namespace VSwitch.Core.Config;

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
    /// <summary>xe's default-locking-mode: unlocked (when absent) or disabled.</summary>
    public string? DefaultLockingMode { get; set; }
    /// <summary>The most MACs the FDB learns on the uplink; absent for fdb.maxEntriesPerPort.</summary>
    public int? PifMacLimit { get; set; }
    public List<PortConfig> Ports { get; set; } = [];
    /// <summary>Static FDB entries added with `fdb add`.</summary>
    public List<StaticMacConfig> StaticMacs { get; set; } = [];
}
