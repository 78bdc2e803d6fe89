using VSwitch.Core.Capture;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>A port as the datapath sees it in one <see cref="ForwardingSnapshot"/>: immutable.</summary>
public sealed class SnapshotPort(ushort index, ushort domain, string name, PortRole role, IFrameSink sink, CaptureSession? capture = null)
{
    public ushort Index { get; } = index;
    /// <summary>The forwarding domain (bridge) the port belongs to; 0 for a PIF's physical link.</summary>
    public ushort Domain { get; } = domain;
    public string Name { get; } = name;
    public PortRole Role { get; } = role;
    public IFrameSink Sink { get; } = sink;
    /// <summary>A live capture on this port, or null (the usual case: one null check per batch).</summary>
    public CaptureSession? Capture { get; } = capture;
    /// <summary>Guest ports in trunk mode: the VLAN IDs the guest may tag with. Null: untagged frames only.</summary>
    public VlanSet? Trunks { get; init; }
    /// <summary>The largest L3 payload a frame sent out of this port may carry; larger ones are dropped (mtu_exceeded).</summary>
    public int Mtu { get; init; } = int.MaxValue;
    /// <summary>A PIF's physical link: frames received here are demultiplexed to the bridges' uplink ports.</summary>
    public SnapshotTrunk? Trunk { get; init; }

    /// <summary>
    /// Whether a frame whose outer tag carries <paramref name="vlan"/> may enter or leave through this port:
    /// the uplink carries any (for a VLAN network they are inner tags), a trunk guest its VLANs, and
    /// access guests and the host interface none.
    /// </summary>
    public bool AcceptsTagged(int vlan) => Role == PortRole.Uplink || (Trunks is { } trunks && trunks.Contains(vlan));
}
