using System.Runtime.CompilerServices;
using VSwitch.Core.Capture;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Switching;

/// <summary>
/// The way out of a bridge (the Linux bridge's br_forward.c): a frame's destination is looked up, a known
/// unicast goes to one port and everything else floods to every other port of the bridge, each port's
/// frames are queued, and each queue is sent with one transmit per batch. Frames larger than a port's
/// MTU are dropped there. One per worker, like the pipeline it belongs to.
/// </summary>
internal sealed class Forwarding(ForwardingDatabase fdb, PortCounters counters, int batchCapacity, int worker)
{
    private readonly TxQueues _tx = new(batchCapacity);

    /// <summary>The ports the last transmitted batch went to.</summary>
    public ReadOnlySpan<ushort> LastEgress => _tx.LastSent;

    /// <summary>Queues packet <paramref name="packet"/> (already parsed as <paramref name="frame"/>) for where it
    /// goes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ForwardingSnapshot snapshot, ushort ingress, SnapshotBridge bridge, PacketBatch batch,
        int packet, in EthernetFrame frame)
    {
        int vlan = frame.OuterTag.Id;
        int payload = LargestPayload(batch, packet, frame.TagCount);

        // Look up.
        if (!frame.Destination.IsMulticast)
        {
            ushort egress = fdb.Lookup(bridge.Domain, frame.Destination);
            if (egress == ingress)
            {
                counters.Drop(ingress, DropReason.DestinationIsIngress);
                return;
            }
            // An entry for a port that has just left the bridge is treated as unknown: flood.
            if (egress != 0 && snapshot.Port(egress) is { } outPort && outPort.Domain == bridge.Domain)
            {
                if (frame.IsTagged && !outPort.AcceptsTagged(vlan)) counters.Drop(ingress, DropReason.VlanNotAllowed);
                else if (payload > outPort.Mtu) counters.Drop(egress, DropReason.MtuExceeded);
                else if (outPort.Lock is { IsDisabled: true }) counters.Drop(egress, DropReason.PortDisabled);
                else _tx.Enqueue(egress, packet);
                return;
            }
        }

        // Flood: broadcast, multicast and unknown unicast go to every other port of the bridge.
        counters.Add(ingress, PortCounters.FloodedFrames, 1);
        var ports = bridge.Ports;
        if (!frame.IsTagged && payload <= bridge.SmallestMtu)
        {
            for (int p = 0; p < ports.Length; p++)
                if (ports[p] != ingress) _tx.Enqueue(ports[p], packet);
            return;
        }
        // A tagged frame reaches the uplink and the trunk ports that carry its VLAN only; a frame too large
        // for a port's MTU is dropped there, and counted on that port.
        var mtus = bridge.Mtus;
        for (int p = 0; p < ports.Length; p++)
        {
            if (ports[p] == ingress) continue;
            if (frame.IsTagged && (snapshot.Port(ports[p]) is not { } member || !member.AcceptsTagged(vlan))) continue;
            if (payload > mtus[p]) counters.Drop(ports[p], DropReason.MtuExceeded);
            else _tx.Enqueue(ports[p], packet);
        }
    }

    /// <summary>One transmit per destination port for the whole batch, and what it did counted on that port.</summary>
    public void Transmit(ForwardingSnapshot snapshot, PacketBatch batch)
    {
        for (int d = 0; d < _tx.DirtyCount; d++)
        {
            ushort egress = _tx.DirtyPort(d);
            var queue = _tx.Queue(egress);
            var port = snapshot.Port(egress);
            var result = port is null ? TxResult.NoneSent(queue.Length) : port.Port.Transmit(batch, queue);
            counters.Add(egress, PortCounters.TxPackets, result.Sent);
            counters.Add(egress, PortCounters.TxBytes, result.Bytes);
            if (result.Errors > 0) counters.Drop(egress, DropReason.TxError, result.Errors);
            if (result.NoRoom > 0) counters.Drop(egress, DropReason.TxQueueFull, result.NoRoom);
            if (port?.Capture is { } capture) CaptureQueued(capture, batch, queue);
        }
        _tx.Clear();
    }

    /// <summary>Forgets what is queued: the ingress port left the snapshot while the batch was read.</summary>
    public void Discard() => _tx.Clear();

    /// <summary>
    /// The largest L3 payload the frame puts on a wire, to hold against an egress port's MTU as the kernel
    /// bridge does: the frame's own, or, for a TSO frame (its offload record says it is to be cut into
    /// segments of GsoSize), one segment's: its L3 and L4 headers plus GsoSize, as the kernel's
    /// skb_gso_network_seglen counts. The headers end where the L4 header the checksum starts at does;
    /// HeaderLength cannot say, as the kernel fills it with the length of the buffer's linear part.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LargestPayload(PacketBatch batch, int packet, int tags)
    {
        int l2 = EthernetFrame.HeaderLength + tags * VlanTag.Length;
        ref var offload = ref batch.Offload(packet);
        int frameLength = batch.Length(packet);
        byte gso = offload.Segmentation;
        if (gso == PacketOffload.GsoNone) return frameLength - l2;
        int l4 = offload.ChecksumStart;
        if (!offload.ChecksumPending || l4 <= l2 || l4 + 20 > frameLength)
            return offload.GsoSize
                + 40; // no checksum offset to go by (never from Linux): assume IPv4 and TCP without options
        int l4Header = gso is PacketOffload.GsoUdp or PacketOffload.GsoUdpL4 ? 8 : (batch.Frame(packet)[l4
            + 12] >> 4) * 4;
        return l4 - l2 + l4Header + offload.GsoSize;
    }

    private void CaptureQueued(CaptureSession capture, PacketBatch batch, ReadOnlySpan<int> queue)
    {
        long now = CaptureSession.NowMicros();
        foreach (int packet in queue) capture.Record(worker, batch.Frame(packet), now);
    }
}
