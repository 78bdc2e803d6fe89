using VSwitch.Core.Capture;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Switching;

/// <summary>A port as the datapath sees it in one <see cref="ForwardingSnapshot"/>: immutable.</summary>
public sealed class SnapshotPort(ushort index, ushort domain, string name, PortRole role, IPort port,
    CaptureSession? capture = null)
{
    public ushort Index { get; } = index;
    /// <summary>The forwarding domain (bridge) the port belongs to; 0 for a PIF's member.</summary>
    public ushort Domain { get; } = domain;
    public string Name { get; } = name;
    public PortRole Role { get; } = role;
    /// <summary>What frames are sent through (a bridge's uplink: its <see cref="UplinkPort"/>).</summary>
    public IPort Port { get; } = port;
    /// <summary>A live capture on this port, or null (the usual case: one null check per batch).</summary>
    public CaptureSession? Capture { get; } = capture;
    /// <summary>A trunk-mode guest's VLANs: those it may tag its frames with. Null: untagged frames only.</summary>
    public VlanSet? TrunkVlans { get; init; }
    /// <summary>The largest L3 payload a frame sent out of this port may carry; larger ones are dropped
    /// (mtu_exceeded).</summary>
    public int Mtu { get; init; } = int.MaxValue;
    /// <summary>A PIF's member: how its frames are sorted to the bridges' uplink ports, and which it takes at
    /// all.</summary>
    public VlanDemux? Demux { get; init; }
    /// <summary>A locked or disabled guest port's policy; null (the usual case: one null check per frame) when it
    /// is unlocked.</summary>
    public PortLock? Lock { get; init; }

    /// <summary>
    /// Whether a frame whose outer tag carries <paramref name="vlan"/> may enter or leave through this port:
    /// the uplink carries any (for a VLAN network they are inner tags), a trunk guest its VLANs, and
    /// access guests and the host interface none.
    /// </summary>
    public bool AcceptsTagged(int vlan) => Role == PortRole.Uplink || (TrunkVlans is { } vlans && vlans.Contains(vlan));
}
