using System.Buffers.Binary;
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
    private readonly GuestAddresses? _addresses;

    /// <param name="worker">This pipeline's worker number: which ring of a capture it writes to.</param>
    /// <param name="addresses">Where guests' ARP-claimed addresses are noted, for bond failover announcements.</param>
    public ForwardingPipeline(ForwardingDatabase fdb, int batchCapacity, PortCounters? counters = null, int worker = 0, GuestAddresses? addresses = null)
    {
        _fdb = fdb;
        _addresses = addresses;
        _tx = new TxQueues(batchCapacity);
        Counters = counters ?? new PortCounters();
        _worker = worker;
    }

    public PortCounters Counters { get; }

    /// <summary>The ports the last processed batch was transmitted to.</summary>
    public ReadOnlySpan<ushort> LastEgress => _tx.LastSent;

    /// <summary>Switches every packet of <paramref name="batch"/>, received on port <paramref name="ingress"/>.</summary>
    public void Process(ForwardingSnapshot snapshot, ushort ingress, PacketBatch batch, long nowMs)
    {
        var inPort = snapshot.Port(ingress);
        if (inPort is null)
        {
            _tx.Clear(); // removed while the batch was being read: nothing was sent
            return;
        }
        Counters.EnsureCapacity(snapshot.Ports.Length);
        if (inPort.Capture is { } capture) CaptureAll(capture, batch);

        if (inPort.Trunk is { } trunk)
        {
            // A PIF's physical link: each frame first finds its bridge by its VLAN tag.
            for (int i = 0; i < batch.Count; i++)
                Demultiplex(snapshot, inPort.Index, trunk, batch, i, nowMs);
        }
        else if (snapshot.Bridge(inPort.Domain) is { } bridge)
        {
            for (int i = 0; i < batch.Count; i++)
                Switch(snapshot, inPort, bridge, batch, i, nowMs);
        }

        TransmitQueued(snapshot, batch);
    }

    /// <summary>
    /// Hands a frame from a physical link to the uplink port of the bridge its outer 802.1Q tag names,
    /// taking the tag off for a VLAN network. Untagged frames (and 802.1ad S-tagged ones, which are not a
    /// VLAN network's) belong to the untagged bridge on the PIF.
    /// </summary>
    private void Demultiplex(ForwardingSnapshot snapshot, ushort link, SnapshotTrunk trunk, PacketBatch batch, int packet, long nowMs)
    {
        int frameLength = batch.Length(packet) - VirtioNetHeader.Length;
        Counters.Add(link, PortCounters.RxPackets, 1);
        Counters.Add(link, PortCounters.RxBytes, Math.Max(frameLength, 0));
        if (!trunk.Enabled)
        {
            Counters.Drop(link, DropReason.BondStandby);
            return;
        }
        if (frameLength < EthernetFrame.MinimumLength)
        {
            Counters.Drop(link, DropReason.TooShort);
            return;
        }

        var frame = batch.Frame(packet);
        ushort uplink = trunk.Untagged;
        bool pop = false;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == EtherType.Vlan)
        {
            if (frameLength < EthernetFrame.MinimumLength + VlanTag.Length)
            {
                Counters.Drop(link, DropReason.TooShort);
                return;
            }
            int vlan = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0x0FFF;
            uplink = trunk.ByVlan[vlan];
            pop = trunk.PopTag[vlan];
        }
        if (uplink == 0 || snapshot.Port(uplink) is not { } port || snapshot.Bridge(port.Domain) is not { } bridge)
        {
            Counters.Drop(link, DropReason.UnknownVlan);
            return;
        }
        // balance-slb: the upstream switch floods to every member, so only one of them takes floods.
        if (!trunk.FloodsAccepted && MacAddress.Read(frame).IsMulticast)
        {
            Counters.Drop(link, DropReason.BondStandby);
            return;
        }
        // balance-slb: a source learned on one of our own ports means the upstream switch reflected our frame.
        if (trunk.RejectsReflections)
        {
            ushort owner = _fdb.Lookup(bridge.Domain, MacAddress.Read(frame[MacAddress.Length..]));
            if (owner != 0 && owner != uplink)
            {
                Counters.Drop(link, DropReason.BondReflection);
                return;
            }
        }
        if (pop) batch.RemoveTag(packet);
        // A capture on a bridge's uplink (eth1.5) sees that network's frames as the bridge does: untagged.
        if (port.Capture is { } capture) capture.Record(_worker, batch.Frame(packet), CaptureSession.NowMicros());
        Switch(snapshot, port, bridge, batch, packet, nowMs);
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
        if (inPort.Role != PortRole.Uplink) frameLength = TakePriorityTag(batch, packet, frameLength);
        var error = EthernetFrame.TryParse(batch.Frame(packet), out var frame);
        if (error != FrameError.None)
        {
            Counters.Drop(ingress, error == FrameError.TooShort ? DropReason.TooShort : DropReason.InvalidSource);
            return;
        }
        // Guests send untagged frames (VLAN networks are bridges of their own), unless their port is a
        // trunk for the VLAN they tag with; tags left after the uplink's own are the network's payload.
        int vlan = frame.OuterTag.Id;
        if (frame.IsTagged && !inPort.AcceptsTagged(vlan))
        {
            Counters.Drop(ingress, DropReason.VlanNotAllowed);
            return;
        }
        int payload = LargestPayload(batch, packet, frameLength, frame.TagCount);

        // Learn.
        _fdb.Learn(bridge.Domain, frame.Source, ingress, nowMs);
        if (frame.EtherType == EtherType.Arp && !frame.IsTagged && inPort.Role == PortRole.Guest && _addresses is not null)
            _addresses.Observe(bridge.Domain, frame.Source, batch.Frame(packet)[EthernetFrame.HeaderLength..]);

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
            if (egress != 0 && snapshot.Port(egress) is { } outPort && outPort.Domain == bridge.Domain)
            {
                if (frame.IsTagged && !outPort.AcceptsTagged(vlan)) Counters.Drop(ingress, DropReason.VlanNotAllowed);
                else if (payload > outPort.Mtu) Counters.Drop(egress, DropReason.MtuExceeded);
                else _tx.Enqueue(egress, packet);
                return;
            }
        }

        // Flood: broadcast, multicast and unknown unicast go to every other port of the bridge.
        Counters.Add(ingress, PortCounters.FloodedFrames, 1);
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
            if (payload > mtus[p]) Counters.Drop(ports[p], DropReason.MtuExceeded);
            else _tx.Enqueue(ports[p], packet);
        }
    }

    /// <summary>
    /// A priority tag (802.1Q, VLAN ID 0: what hosts send with 802.1p priority on) means an untagged frame
    /// with a priority, as the standard says. The tag comes off, so the frame is switched as untagged; its
    /// priority stays beside it (<see cref="PacketBatch.Priority"/>) for the tag a VLAN uplink pushes.
    /// Returns the frame's length after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TakePriorityTag(PacketBatch batch, int packet, int frameLength)
    {
        var raw = batch.Frame(packet);
        if (frameLength < EthernetFrame.HeaderLength + VlanTag.Length || BinaryPrimitives.ReadUInt16BigEndian(raw[12..]) != EtherType.Vlan)
            return frameLength;
        ushort tci = BinaryPrimitives.ReadUInt16BigEndian(raw[14..]);
        if ((tci & 0x0FFF) != 0) return frameLength;
        batch.RemoveTag(packet);
        batch.SetPriority(packet, (byte)(tci >> 12));
        return frameLength - VlanTag.Length;
    }

    /// <summary>
    /// The largest L3 payload the frame puts on a wire, to hold against an egress port's MTU as the kernel
    /// bridge does: the frame's own, or, for a TSO frame (the virtio-net header says it is to be cut into
    /// segments of gso_size), one segment's: its L3 and L4 headers plus gso_size, as the kernel's
    /// skb_gso_network_seglen counts. The headers end where the L4 header the checksum starts at does;
    /// the header's hdr_len cannot say, as the kernel fills it with the length of the buffer's linear part.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LargestPayload(PacketBatch batch, int packet, int frameLength, int tags)
    {
        int l2 = EthernetFrame.HeaderLength + tags * VlanTag.Length;
        var header = batch.Packet(packet);
        byte gso = (byte)(VirtioNetHeader.GsoType(header) & ~VirtioNetHeader.GsoEcn);
        if (gso == VirtioNetHeader.GsoNone) return frameLength - l2;
        int segment = VirtioNetHeader.GsoSize(header);
        int l4 = VirtioNetHeader.ChecksumStart(header);
        if ((VirtioNetHeader.Flags(header) & VirtioNetHeader.FlagNeedsChecksum) == 0 || l4 <= l2 || l4 + 20 > frameLength)
            return segment + 40; // no checksum offset to go by (never from Linux): assume IPv4 and TCP without options
        var frame = batch.Frame(packet);
        int l4Header = gso is VirtioNetHeader.GsoUdp or VirtioNetHeader.GsoUdpL4 ? 8 : (frame[l4 + 12] >> 4) * 4;
        return l4 - l2 + l4Header + segment;
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
