using VSwitch.Core.Ports;

namespace VSwitch.Core.Config;

/// <summary>A guest port of a bridge: enough to attach it again after a restart.</summary>
public sealed class PortConfig
{
    public string Name { get; set; } = "";
    public string? Uuid { get; set; }
    public PortKind Kind { get; set; }
    /// <summary>For tap ports: the MAC of the kernel side. For VIFs: the guest's MAC, printed for QEMU's
    /// -device.</summary>
    public string? Mac { get; set; }
    /// <summary>For VIFs: the user (name or uid) that may open the TAP, so that an unprivileged QEMU can.</summary>
    public string? Owner { get; set; }
    /// <summary>Trunk mode: the VLANs the guest may tag with, as "10,20-30"; absent for untagged only.</summary>
    public string? Trunks { get; set; }
    /// <summary>For stream ports: the largest L3 payload the guest takes (its MTU); absent for 1500.</summary>
    public int? Mtu { get; set; }
    /// <summary>VIF locking: network_default (when absent), locked, unlocked or disabled.</summary>
    public string? LockingMode { get; set; }
    /// <summary>The IPv4 addresses a locked port may send from.</summary>
    public List<string>? Ipv4Allowed { get; set; }
    /// <summary>The IPv6 addresses a locked port may send from, besides its link-local.</summary>
    public List<string>? Ipv6Allowed { get; set; }
    /// <summary>The most MACs the FDB learns on the port; absent for fdb.maxEntriesPerPort.</summary>
    public int? MacLimit { get; set; }
}
