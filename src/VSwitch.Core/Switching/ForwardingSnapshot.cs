using VSwitch.Core.Control;

namespace VSwitch.Core.Switching;

/// <summary>
/// The immutable configuration the datapath forwards by: ports and bridges by index. The control
/// plane builds a new one for every change and publishes it by reference; workers read the reference
/// once per batch, so a batch is switched entirely by one configuration and readers never wait.
/// </summary>
public sealed class ForwardingSnapshot
{
    public static readonly ForwardingSnapshot Empty = new(0, [], []);

    public ForwardingSnapshot(long version, SnapshotPort?[] ports, SnapshotBridge?[] bridges)
    {
        Version = version;
        Ports = ports;
        Bridges = bridges;
    }

    public long Version { get; }
    /// <summary>By port index; index 0 is never used.</summary>
    public SnapshotPort?[] Ports { get; }
    /// <summary>By domain; domain 0 is never used.</summary>
    public SnapshotBridge?[] Bridges { get; }

    public SnapshotPort? Port(int index) => (uint)index < (uint)Ports.Length ? Ports[index] : null;
    public SnapshotBridge? Bridge(int domain) => (uint)domain < (uint)Bridges.Length ? Bridges[domain] : null;
}
