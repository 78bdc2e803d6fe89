using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>A bridge as the datapath sees it in one <see cref="ForwardingSnapshot"/>: immutable.</summary>
public sealed class SnapshotBridge(ushort domain, string name, MacAddress mac, long ageingMs, ushort[] ports)
{
    public ushort Domain { get; } = domain;
    public string Name { get; } = name;
    public MacAddress Mac { get; } = mac;
    public long AgeingMilliseconds { get; } = ageingMs;
    /// <summary>Every port of the bridge: the flood set (the ingress port is skipped when flooding).</summary>
    public ushort[] Ports { get; } = ports;
}
