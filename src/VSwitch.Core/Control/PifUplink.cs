using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// The device behind a bridge's uplink port: the bridge's share of a PIF. It owns nothing (the PIF owns
/// the links); it sends through the <see cref="UplinkSink"/> of the latest published snapshot.
/// </summary>
public sealed class PifUplink(string name, MacAddress mac) : IPortDevice
{
    private UplinkSink? _sink;

    public string Name { get; } = name;
    public PortKind Kind => PortKind.Raw;
    public MacAddress Mac { get; } = mac;

    /// <summary>Set by every publish (release), read by any sender (acquire).</summary>
    public UplinkSink? Sink
    {
        get => Volatile.Read(ref _sink);
        set => Volatile.Write(ref _sink, value);
    }

    public int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        if (Sink is { } sink) return sink.Transmit(batch, packets, out frameBytes, out errors);
        frameBytes = 0;
        errors = 0;
        return 0;
    }

    public void Dispose() { }
}
