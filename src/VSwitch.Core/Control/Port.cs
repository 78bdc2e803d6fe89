using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>A port of a bridge in the control plane's object model.</summary>
public sealed class Port(string name, PortKind kind, PortRole role, ushort index, int number, IPort device,
    MacAddress? configuredMac)
{
    public string Name { get; } = name;
    public PortKind Kind { get; } = kind;
    public PortRole Role { get; } = role;
    /// <summary>Switch-wide index, the datapath's and the FDB's name for the port.</summary>
    public ushort Index { get; } = index;
    /// <summary>Per-bridge port number, as brctl showmacs prints it.</summary>
    public int Number { get; } = number;
    public IPort Device { get; } = device;
    /// <summary>The MAC given on creation (tap ports: the kernel side; VIFs: the guest), persisted so a restart keeps
    /// it.</summary>
    public MacAddress? ConfiguredMac { get; } = configuredMac;
    /// <summary>The xe UUID of the VIF or PIF this port is; stable across restarts.</summary>
    public string Uuid { get; init; } = "";
    /// <summary>For VIFs: the user QEMU runs as.</summary>
    public string? Owner { get; init; }
    /// <summary>Trunk mode: the VLANs a guest that tags its own frames may use; null for untagged only.</summary>
    public VlanSet? TrunkVlans { get; set; }
    /// <summary>The MTU of the interface behind the port, as last reported: larger frames to it are dropped and
    /// counted.</summary>
    public int Mtu { get; set; } = device.Mtu;
    /// <summary>
    /// Where the port's interface is, as link events report it (a tap port's TAP moves to its guest's
    /// namespace); null when it is not known (moved on from there) or the port has no interface.
    /// </summary>
    public InterfacePlace? Place { get; set; } = (device as IInterfacePort)?.Place;
    /// <summary>VIF locking: the mode and the addresses the guest may send from.</summary>
    public PortLocking Locking { get; set; } = PortLocking.Default;
    /// <summary>The most MACs the FDB learns on this port; null: the FDB's per-port default.</summary>
    public int? MacLimit { get; set; }
    /// <summary>Counter values at creation; a reused index starts from zero.</summary>
    public long[] Baseline { get; } = new long[PortCounters.Fields];
}
