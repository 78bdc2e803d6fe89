using System.Buffers.Binary;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Tests;

/// <summary>Two bridges: bridge 1 with ports 1 (host), 2, 3, 4; bridge 2 with ports 5, 6.</summary>
public sealed class ForwardingPipelineTests : IDisposable
{
    private readonly ForwardingDatabase _fdb = new();
    private readonly ForwardingPipeline _pipeline;
    private readonly FakePort[] _ports = new FakePort[7];
    private readonly ForwardingSnapshot _snapshot;
    private readonly PacketBatch _batch = new(8, 4096);
    private static readonly MacAddress BridgeMac = MacAddress.InternalBridge;

    public ForwardingPipelineTests()
    {
        _pipeline = new ForwardingPipeline(_fdb, 8);
        var ports = new SnapshotPort?[7];
        for (ushort i = 1; i <= 6; i++)
        {
            _ports[i] = new FakePort($"p{i}");
            ports[i] = new SnapshotPort(i, i <= 4 ? (ushort)1 : (ushort)2, $"p{i}", i == 1 ? PortRole.Host
                : PortRole.Guest, _ports[i]);
        }
        var bridges = new SnapshotBridge?[3];
        bridges[1] = new SnapshotBridge(1, "br1", BridgeMac, 300_000, [1, 2, 3, 4]);
        bridges[2] = new SnapshotBridge(2, "br2", BridgeMac, 300_000, [5, 6]);
        _snapshot = new ForwardingSnapshot(1, ports, bridges);
        _fdb.AddStatic(1, BridgeMac, 1, local: true);
    }

    public void Dispose() => _batch.Dispose();

    private void Receive(ushort ingress, params byte[][] packets)
    {
        _batch.Count = 0;
        foreach (var p in packets) _batch.Add(p);
        _pipeline.Process(_snapshot, ingress, _batch, 1000);
    }

    private int[] SentCounts() => Enumerable.Range(1, 6).Select(i => _ports[i].Sent.Count).ToArray();

    [Fact]
    public void UnknownUnicast_FloodsToAllPortsOfTheBridgeExceptIngress()
    {
        Receive(2, TestFrames.Packet(TestFrames.Mac(99), TestFrames.Mac(2)));
        Assert.Equal([1, 0, 1, 1, 0, 0], SentCounts());
    }

    [Fact]
    public void Broadcast_FloodsToAllPortsOfTheBridgeExceptIngress()
    {
        Receive(3, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(3)));
        Assert.Equal([1, 1, 0, 1, 0, 0], SentCounts());
    }

    [Fact]
    public void Multicast_Floods()
    {
        Receive(4, TestFrames.Packet(MacAddress.Parse("33:33:00:00:00:01"), TestFrames.Mac(4)));
        Assert.Equal([1, 1, 1, 0, 0, 0], SentCounts());
    }

    [Fact]
    public void KnownUnicast_GoesOutOnePortOnly()
    {
        Receive(3, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(3))); // learn Mac(3) on port 3
        foreach (var p in _ports.Skip(1)) p.Sent.Clear();

        Receive(2, TestFrames.Packet(TestFrames.Mac(3), TestFrames.Mac(2)), TestFrames.Packet(TestFrames.Mac(3),
            TestFrames.Mac(2)));
        Assert.Equal([0, 0, 2, 0, 0, 0], SentCounts());
    }

    [Fact]
    public void LastEgress_NamesThePortsTheLastBatchWentTo()
    {
        // The worker's reply hand-off reads this: one port after known unicast, every other port after a flood.
        Receive(3, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(3)));
        Assert.Equal(new ushort[] { 1, 2, 4 }, _pipeline.LastEgress.ToArray().Order());
        Receive(2, TestFrames.Packet(TestFrames.Mac(3), TestFrames.Mac(2)));
        Assert.Equal(new ushort[] { 3 }, _pipeline.LastEgress.ToArray());
        // A batch whose ingress port is gone sends nothing, and says so.
        var empty = new ForwardingSnapshot(2, new SnapshotPort?[7], new SnapshotBridge?[3]);
        _batch.Count = 0;
        _batch.Add(TestFrames.Packet(TestFrames.Mac(3), TestFrames.Mac(2)));
        _pipeline.Process(empty, 2, _batch, 1000);
        Assert.Empty(_pipeline.LastEgress.ToArray());
    }

    [Fact]
    public void FrameToTheBridgeMac_GoesToTheHostInterface()
    {
        Receive(2, TestFrames.Packet(BridgeMac, TestFrames.Mac(2)));
        Assert.Equal([1, 0, 0, 0, 0, 0], SentCounts());
    }

    [Fact]
    public void Bridges_AreIsolated_EvenForTheSameMac()
    {
        Receive(5, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(7)));
        Assert.Equal([0, 0, 0, 0, 0, 1], SentCounts());
        // Mac(7) is known in bridge 2 only: in bridge 1 it is still unknown and floods there.
        Receive(2, TestFrames.Packet(TestFrames.Mac(7), TestFrames.Mac(2)));
        Assert.Equal([1, 0, 1, 1, 0, 1], SentCounts());
    }

    [Fact]
    public void MacMove_FollowsTheFirstFrameFromTheNewPort()
    {
        Receive(2, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(42)));
        Receive(3, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(42))); // gratuitous ARP after migration
        foreach (var p in _ports.Skip(1)) p.Sent.Clear();

        Receive(4, TestFrames.Packet(TestFrames.Mac(42), TestFrames.Mac(4)));
        Assert.Equal([0, 0, 1, 0, 0, 0], SentCounts());
    }

    [Fact]
    public void MalformedFrames_AreCountedByReasonAndDropped_AndTheRestOfTheBatchStillFlows()
    {
        var tooShort = new byte[10];
        var zeroSource = TestFrames.Packet(MacAddress.Broadcast, MacAddress.Zero);
        var multicastSource = TestFrames.Packet(MacAddress.Broadcast, MacAddress.Parse("01:00:5e:00:00:01"));
        var tagged = TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(2));
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), EtherType.Vlan);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), 5); // VLAN 5 (VLAN 0 would be a priority tag)
        var headerOnly = new byte[4]; // shorter than the Ethernet header
        var good = TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(2));

        Receive(2, tooShort, zeroSource, multicastSource, tagged, headerOnly, good);

        Assert.Equal([1, 0, 1, 1, 0, 0], SentCounts());
        var c = _pipeline.Counters;
        Assert.Equal(6, c.Read(2, PortCounters.RxPackets));
        Assert.Equal(2, c.Read(2, PortCounters.FirstDrop + (int)DropReason.TooShort));
        Assert.Equal(2, c.Read(2, PortCounters.FirstDrop + (int)DropReason.InvalidSource));
        Assert.Equal(1, c.Read(2, PortCounters.FirstDrop + (int)DropReason.VlanNotAllowed));
    }

    [Fact]
    public void KnownDestinationOnTheIngressPort_IsFilteredNotReflected()
    {
        Receive(2, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(2)), TestFrames.Packet(MacAddress.Broadcast,
            TestFrames.Mac(3)));
        foreach (var p in _ports.Skip(1)) p.Sent.Clear();
        Receive(2, TestFrames.Packet(TestFrames.Mac(3), TestFrames.Mac(2)));
        Assert.Equal([0, 0, 0, 0, 0, 0], SentCounts());
        Assert.Equal(1, _pipeline.Counters.Read(2, PortCounters.FirstDrop + (int)DropReason.DestinationIsIngress));
    }

    [Fact]
    public void RefusedTransmit_IsCountedAsTxDrop_OnTheEgressPort()
    {
        _ports[3].Refuse = true;
        Receive(2, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(2)));
        Assert.Equal(1, _pipeline.Counters.Read(3, PortCounters.FirstDrop + (int)DropReason.TxQueueFull));
        Assert.Equal(0, _pipeline.Counters.Read(3, PortCounters.TxPackets));
        Assert.Equal(1, _pipeline.Counters.Read(4, PortCounters.TxPackets));
    }

    [Fact]
    public void EntryForAPortThatLeftTheBridge_Floods()
    {
        _fdb.Learn(1, TestFrames.Mac(50), 5, 1000); // stale: port 5 belongs to bridge 2 now
        Receive(2, TestFrames.Packet(TestFrames.Mac(50), TestFrames.Mac(2)));
        Assert.Equal([1, 0, 1, 1, 0, 0], SentCounts());
    }

    [Fact]
    public void SteadyState_AllocatesNothingPerFrame()
    {
        var packets = Enumerable.Range(0, 8).Select(i => TestFrames.Packet(TestFrames.Mac(3),
            TestFrames.Mac(2))).ToArray();
        var sink = new CountingSink();
        var ports = new SnapshotPort?[4];
        for (ushort i = 1; i <= 3; i++) ports[i] = new SnapshotPort(i, 1, $"p{i}", PortRole.Guest, sink);
        var snapshot = new ForwardingSnapshot(1, ports, [null, new SnapshotBridge(1, "b", BridgeMac, 300_000, [1, 2,
            3])]);
        _batch.Count = 0;
        foreach (var p in packets) _batch.Add(p);
        _fdb.Learn(1, TestFrames.Mac(3), 3, 0);
        for (int i = 0; i < 1000; i++) _pipeline.Process(snapshot, 2, _batch, i); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) _pipeline.Process(snapshot, 2, _batch, 2000 + i);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sink.Frames >= 80_000);
    }

    private sealed class CountingSink : IPort
    {
        public long Frames;
        public string Name => "count";
        public PortKind Kind => PortKind.Tap;
        public MacAddress Mac => MacAddress.Zero;
        public int Mtu => IPort.DefaultMtu;
        public int Receive(PacketBatch batch, DropCounter drops) => 0;
        public PortHealth Poll() => PortHealth.Ok;
        public void Dispose() { }

        public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
        {
            Frames += packets.Length;
            return new TxResult(packets.Length, 0, 0, 0);
        }
    }
}
