using BenchmarkDotNet.Attributes;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Benchmarks;

/// <summary>
/// A batch of 32 64-byte frames tagged VLAN 5 arriving on a pif's link: demultiplex by tag, pop it, then
/// parse, learn, look up a known guest and queue. Popping rewrites the batch, so every invocation first
/// refills it from a template; <see cref="RefillOnly"/> is that cost alone, to subtract. Reported per frame.
/// </summary>
[MemoryDiagnoser]
public class VlanPipelineBenchmarks
{
    private const int Batch = 32;
    private ForwardingPipeline _pipeline = null!;
    private ForwardingSnapshot _snapshot = null!;
    private PacketBatch _batch = null!;
    private byte[] _packet = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var fdb = new ForwardingDatabase();
        _pipeline = new ForwardingPipeline(fdb, Batch);
        var sink = new DiscardSink();
        // Port 1: the pif's link. Port 2: VLAN 5's uplink. Ports 3, 4: guests of the VLAN 5 bridge.
        var byVlan = new ushort[4096];
        var pop = new bool[4096];
        byVlan[5] = 2;
        pop[5] = true;
        var ports = new SnapshotPort?[5];
        ports[1] = new SnapshotPort(1, 0, "eth1", PortRole.PifMember, sink) { Demux = new VlanDemux(byVlan, pop, 0,
            BondAdmission.Everything) };
        ports[2] = new SnapshotPort(2, 1, "eth1.5", PortRole.Uplink, sink);
        for (ushort i = 3; i <= 4; i++) ports[i] = new SnapshotPort(i, 1, $"g{i}", PortRole.Guest, sink);
        _snapshot = new ForwardingSnapshot(1, ports, [null, new SnapshotBridge(1, "xapi5", MacAddress.InternalBridge,
            300_000, [2, 3, 4])]);
        fdb.Learn(1, new MacAddress(0x0200_0000_0003UL), 3, 0);
        _batch = new PacketBatch(Batch, 2048);
        _packet = new byte[64];
        new MacAddress(0x0200_0000_0003UL).Write(_packet);
        new MacAddress(0x5254_0000_0009UL).Write(_packet.AsSpan(6));
        _packet[12] = 0x81;
        _packet[15] = 5;
        _packet[16] = 0x08;
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    private void Refill()
    {
        _batch.Count = 0;
        for (int i = 0; i < Batch; i++) _batch.Add(_packet);
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public void RefillOnly() => Refill();

    [Benchmark(OperationsPerInvoke = Batch)]
    public void TaggedFromTheTrunk_ToAKnownGuest()
    {
        Refill();
        _pipeline.Process(_snapshot, 1, _batch, _now += 1);
    }
}
