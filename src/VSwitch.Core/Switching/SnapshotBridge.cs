using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>A bridge as the datapath sees it in one <see cref="ForwardingSnapshot"/>: immutable.</summary>
public sealed class SnapshotBridge
{
    /// <param name="mtus">Each port's MTU, in the order of <paramref name="ports"/>; null: no limit on any.</param>
    public SnapshotBridge(ushort domain, string name, MacAddress mac, long ageingMs, ushort[] ports, int[]? mtus = null)
    {
        mtus ??= Enumerable.Repeat(int.MaxValue, ports.Length).ToArray();
        if (mtus.Length != ports.Length) throw new ArgumentException("one MTU per port", nameof(mtus));
        Domain = domain;
        Name = name;
        Mac = mac;
        AgeingMilliseconds = ageingMs;
        Ports = ports;
        Mtus = mtus;
        SmallestMtu = mtus.Length == 0 ? int.MaxValue : mtus.Min();
    }

    public ushort Domain { get; }
    public string Name { get; }
    public MacAddress Mac { get; }
    public long AgeingMilliseconds { get; }
    /// <summary>Every port of the bridge: the flood set (the ingress port is skipped when flooding).</summary>
    public ushort[] Ports { get; }
    /// <summary>The MTU of each port of <see cref="Ports"/>, at the same position.</summary>
    public int[] Mtus { get; }
    /// <summary>The smallest of <see cref="Mtus"/>: a frame whose payload fits it floods with no per-port
    /// check.</summary>
    public int SmallestMtu { get; }
}
