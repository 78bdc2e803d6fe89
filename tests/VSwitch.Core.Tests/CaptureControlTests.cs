using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Capture;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Tests;

/// <summary>Capture from the control side (sessions follow ports) and in the pipeline (RX and TX of one port
/// only).</summary>
public class CaptureControlTests
{
    [Fact]
    public void Pipeline_CapturesWhatThePortReceivesAndIsSent_AndNothingOfOtherPorts()
    {
        var fdb = new ForwardingDatabase();
        var session = new CaptureSession("p2", workers: 1);
        var sinks = new[] { new FakePort("p1"), new FakePort("p2"), new FakePort("p3") };
        var ports = new SnapshotPort?[4];
        for (ushort i = 1; i <= 3; i++)
            ports[i] = new SnapshotPort(i, 1, $"p{i}", PortRole.Guest, sinks[i - 1], i == 2 ? session : null);
        var bridges = new SnapshotBridge?[2];
        bridges[1] = new SnapshotBridge(1, "br", MacAddress.InternalBridge, 300_000, [1, 2, 3]);
        var snapshot = new ForwardingSnapshot(1, ports, bridges);
        var pipeline = new ForwardingPipeline(fdb, 8);
        using var batch = new PacketBatch(8, 4096);

        void Receive(ushort port, byte[] packet)
        {
            batch.Count = 0;
            batch.Add(packet);
            pipeline.Process(snapshot, port, batch, 1000);
        }
        Receive(2, TestFrames.Packet(MacAddress.Broadcast, TestFrames.Mac(2)));   // received on p2: captured
        Receive(1, TestFrames.Packet(TestFrames.Mac(2), TestFrames.Mac(1)));     // sent to p2: captured
        Receive(1, TestFrames.Packet(TestFrames.Mac(3),
            TestFrames.Mac(1)));     // p1 → flood p2, p3: captured once (p2's copy)
        fdb.Learn(1, TestFrames.Mac(3), 3, 1000);
        Receive(1, TestFrames.Packet(TestFrames.Mac(3), TestFrames.Mac(1)));     // p1 → p3 only: not captured

        var captured = new List<CapturedFrame>();
        while (session.Rings[0].TryPeek(out var frame))
        {
            captured.Add(frame with { Bytes = frame.Bytes.ToArray() });
            session.Rings[0].Consume(frame);
        }
        Assert.Equal(3, captured.Count);
        Assert.Equal(TestFrames.Mac(2), MacAddress.Read(captured[0].Bytes.Span[6..]));
        Assert.Equal(TestFrames.Mac(2), MacAddress.Read(captured[1].Bytes.Span));
        Assert.Equal(TestFrames.Mac(3), MacAddress.Read(captured[2].Bytes.Span));
    }

    [Fact]
    public void ACaptureEnds_WhenItsPortIsRemoved_AndASecondCaptureOfAPortIsRefused()
    {
        var factory = new FakePortFactory();
        factory.Existing["veth1"] = new FakePort("veth1", PortKind.Raw);
        var datapath = new FakeDatapath();
        var controller = new SwitchController(factory, datapath, new ForwardingDatabase(), new SwitchConfig(), null,
            NullLogger.Instance);
        controller.AddBridge("xapi1", null);
        controller.AddInterface("xapi1", "veth1");

        var session = controller.StartCapture("veth1");
        var index = controller.Bridge("xapi1").Guests[0].Index;
        Assert.Same(session, datapath.Snapshot.Port(index)!.Capture);
        Assert.Contains("already being captured", Assert.Throws<ConfigException>(()
            => controller.StartCapture("veth1")).Message);
        Assert.Contains("no port named nosuch", Assert.Throws<ConfigException>(()
            => controller.StartCapture("nosuch")).Message);

        controller.DeleteInterface("xapi1", "veth1");
        Assert.True(session.Ended);

        controller.AddInterface("xapi1", "veth1");
        var again = controller.StartCapture("veth1");
        controller.StopCapture(again);
        Assert.True(again.Ended);
        Assert.Null(datapath.Snapshot.Port(controller.Bridge("xapi1").Guests[0].Index)!.Capture);
    }
}
