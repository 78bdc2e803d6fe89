using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Benchmarks;

/// <summary>A port that accepts every frame and sends nothing, so benchmarks measure the pipeline alone.</summary>
internal sealed class DiscardSink : IPort
{
    public string Name => "discard";
    public PortKind Kind => PortKind.Tap;
    public MacAddress Mac => MacAddress.Zero;
    public int Mtu => IPort.DefaultMtu;
    public int Receive(PacketBatch batch, DropCounter drops) => 0;
    public PortHealth Poll() => PortHealth.Ok;
    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets) => new(packets.Length, packets.Length * 60L,
        0, 0);
    public void Dispose() { }
}
