using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>A port of a bridge in the control plane's object model.</summary>
public sealed class Port(string name, PortKind kind, PortRole role, ushort index, int number, IPortDevice device, MacAddress? configuredMac)
{
    public string Name { get; } = name;
    public PortKind Kind { get; } = kind;
    public PortRole Role { get; } = role;
    /// <summary>Switch-wide index, the datapath's and the FDB's name for the port.</summary>
    public ushort Index { get; } = index;
    /// <summary>Per-bridge port number, as brctl showmacs prints it.</summary>
    public int Number { get; } = number;
    public IPortDevice Device { get; } = device;
    /// <summary>The MAC given on creation (tap ports: the kernel side; VIFs: the guest), persisted so a restart keeps it.</summary>
    public MacAddress? ConfiguredMac { get; } = configuredMac;
    /// <summary>The xe UUID of the VIF or PIF this port is; stable across restarts.</summary>
    public string Uuid { get; init; } = "";
    /// <summary>For VIFs: the user QEMU runs as.</summary>
    public string? Owner { get; init; }
    /// <summary>Trunk mode: the VLANs a guest that tags its own frames may use; null for untagged only.</summary>
    public VlanSet? Trunks { get; set; }
    /// <summary>Counter values at creation; a reused index starts from zero.</summary>
    public long[] Baseline { get; } = new long[PortCounters.Fields];
}
