using VSwitch.Core.Capture;

namespace VSwitch.Core.Switching;

/// <summary>A port as the datapath sees it in one <see cref="ForwardingSnapshot"/>: immutable.</summary>
public sealed class SnapshotPort(ushort index, ushort domain, string name, PortRole role, IFrameSink sink, CaptureSession? capture = null)
{
    public ushort Index { get; } = index;
    /// <summary>The forwarding domain (bridge) the port belongs to.</summary>
    public ushort Domain { get; } = domain;
    public string Name { get; } = name;
    public PortRole Role { get; } = role;
    public IFrameSink Sink { get; } = sink;
    /// <summary>A live capture on this port, or null (the usual case: one null check per batch).</summary>
    public CaptureSession? Capture { get; } = capture;
}
