using System.Runtime.CompilerServices;
using VSwitch.Core.Capture;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The frame path of one worker: parse → learn → look up → queue per destination → transmit batch.
/// One instance per worker thread; it owns its scratch queues and counters, so nothing here is
/// shared with other workers except the lock-free FDB.
/// </summary>
public sealed class ForwardingPipeline
{
    private readonly ForwardingDatabase _fdb;
    private readonly TxQueues _tx;
    private readonly int _worker;

    /// <param name="worker">This pipeline's worker number: which ring of a capture it writes to.</param>
    public ForwardingPipeline(ForwardingDatabase fdb, int batchCapacity, PortCounters? counters = null, int worker = 0)
    {
        _fdb = fdb;
        _tx = new TxQueues(batchCapacity);
        Counters = counters ?? new PortCounters();
        _worker = worker;
    }

    public PortCounters Counters { get; }

    /// <summary>Switches every packet of <paramref name="batch"/>, received on port <paramref name="ingress"/>.</summary>
    public void Process(ForwardingSnapshot snapshot, ushort ingress, PacketBatch batch, long nowMs)
    {
        var inPort = snapshot.Port(ingress);
        if (inPort is null) return; // removed while the batch was being read
        var bridge = snapshot.Bridge(inPort.Domain);
        if (bridge is null) return;
        Counters.EnsureCapacity(snapshot.Ports.Length);
        if (inPort.Capture is { } capture) CaptureAll(capture, batch);

        for (int i = 0; i < batch.Count; i++)
            Switch(snapshot, inPort, bridge, batch, i, nowMs);

        TransmitQueued(snapshot, batch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Switch(ForwardingSnapshot snapshot, SnapshotPort inPort, SnapshotBridge bridge, PacketBatch batch, int packet, long nowMs)
    {
        ushort ingress = inPort.Index;
        int frameLength = batch.Length(packet) - VirtioNetHeader.Length;
        Counters.Add(ingress, PortCounters.RxPackets, 1);
        Counters.Add(ingress, PortCounters.RxBytes, Math.Max(frameLength, 0));

        // Parse.
        if (frameLength < EthernetFrame.MinimumLength)
        {
            Counters.Drop(ingress, DropReason.TooShort);
            return;
        }
        var error = EthernetFrame.TryParse(batch.Frame(packet), out var frame);
        if (error != FrameError.None)
        {
            Counters.Drop(ingress, error == FrameError.TooShort ? DropReason.TooShort : DropReason.InvalidSource);
            return;
        }
        if (frame.IsTagged)
        {
            // Guests see and send untagged frames only; VLAN networks are bridges of their own.
            Counters.Drop(ingress, DropReason.VlanNotAllowed);
            return;
        }

        // Learn.
        _fdb.Learn(bridge.Domain, frame.Source, ingress, nowMs);

        // Look up.
        if (!frame.Destination.IsMulticast)
        {
            ushort egress = _fdb.Lookup(bridge.Domain, frame.Destination);
            if (egress == ingress)
            {
                Counters.Drop(ingress, DropReason.DestinationIsIngress);
                return;
            }
            // An entry for a port that has just left the bridge is treated as unknown: flood.
            if (egress != 0 && snapshot.Port(egress)?.Domain == bridge.Domain)
            {
                _tx.Enqueue(egress, packet);
                return;
            }
        }

        // Flood: broadcast, multicast and unknown unicast go to every other port of the bridge.
        Counters.Add(ingress, PortCounters.FloodedFrames, 1);
        var ports = bridge.Ports;
        for (int p = 0; p < ports.Length; p++)
            if (ports[p] != ingress) _tx.Enqueue(ports[p], packet);
    }

    /// <summary>One transmit call per destination port for the whole batch.</summary>
    private void TransmitQueued(ForwardingSnapshot snapshot, PacketBatch batch)
    {
        for (int d = 0; d < _tx.DirtyCount; d++)
        {
            ushort egress = _tx.DirtyPort(d);
            var queue = _tx.Queue(egress);
            var port = snapshot.Port(egress);
            long bytes = 0;
            int errors = 0;
            int sent = port is null ? 0 : port.Sink.Transmit(batch, queue, out bytes, out errors);
            Counters.Add(egress, PortCounters.TxPackets, sent);
            Counters.Add(egress, PortCounters.TxBytes, bytes);
            if (errors > 0) Counters.Drop(egress, DropReason.TxError, errors);
            if (sent + errors < queue.Length) Counters.Drop(egress, DropReason.TxQueueFull, queue.Length - sent - errors);
            if (port?.Capture is { } capture) CaptureQueued(capture, batch, queue);
        }
        _tx.Clear();
    }

    // Capture runs only for a port someone is capturing on; every other port pays one null check per batch.
    private void CaptureAll(CaptureSession capture, PacketBatch batch)
    {
        long now = CaptureSession.NowMicros();
        for (int i = 0; i < batch.Count; i++)
            if (batch.Length(i) > VirtioNetHeader.Length) capture.Record(_worker, batch.Frame(i), now);
    }

    private void CaptureQueued(CaptureSession capture, PacketBatch batch, ReadOnlySpan<int> queue)
    {
        long now = CaptureSession.NowMicros();
        foreach (int packet in queue) capture.Record(_worker, batch.Frame(packet), now);
    }
}
