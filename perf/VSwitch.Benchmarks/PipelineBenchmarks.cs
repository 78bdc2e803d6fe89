using BenchmarkDotNet.Attributes;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Benchmarks;

/// <summary>
/// The in-memory forwarding pipeline: a batch of 32 64-byte frames through parse, learn, look up and
/// queue, to a sink that discards them. Reported per frame.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const int Batch = 32;
    private ForwardingPipeline _pipeline = null!;
    private ForwardingSnapshot _snapshot = null!;
    private PacketBatch _batch = null!;
    private long _now;

    [Params(false, true)]
    public bool Flood;

    [GlobalSetup]
    public void Setup()
    {
        var fdb = new ForwardingDatabase();
        _pipeline = new ForwardingPipeline(fdb, Batch);
        var sink = new DiscardSink();
        var ports = new SnapshotPort?[5];
        for (ushort i = 1; i <= 4; i++) ports[i] = new SnapshotPort(i, 1, $"p{i}", PortRole.Guest, sink);
        _snapshot = new ForwardingSnapshot(1, ports, [null, new SnapshotBridge(1, "b", MacAddress.InternalBridge,
            300_000, [1, 2, 3, 4])]);
        var destination = new MacAddress(Flood ? 0xFFFF_FFFF_FFFFUL : 0x0200_0000_0003UL);
        fdb.Learn(1, new MacAddress(0x0200_0000_0003UL), 3, 0);
        _batch = new PacketBatch(Batch, 2048);
        var packet = new byte[60];
        destination.Write(packet);
        new MacAddress(0x0200_0000_0002UL).Write(packet.AsSpan(6));
        packet[12] = 0x08;
        for (int i = 0; i < Batch; i++) _batch.Add(packet);
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark(OperationsPerInvoke = Batch)]
    public void ProcessBatch() => _pipeline.Process(_snapshot, 2, _batch, _now += 1);
}
