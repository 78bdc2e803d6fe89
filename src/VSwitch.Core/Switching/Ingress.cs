using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Capture;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The way into a bridge, frame by frame (the Linux bridge's br_input.c): length check, a PIF member's frames
/// sorted to their bridge by VLAN and admitted by the bond, the priority tag, parsing, a locked port's check,
/// the VLAN filter, learning, and noting the addresses guests claim. A frame that belongs to a bridge is handed to
/// <see cref="Forwarding"/>. One per worker, like the pipeline it belongs to.
/// </summary>
internal sealed class Ingress(ForwardingDatabase fdb, PortCounters counters, GuestAddresses? addresses, int worker)
{
    /// <summary>Takes every frame of <paramref name="batch"/>, received on <paramref name="inPort"/>, as far as its
    /// bridge.</summary>
    public void Receive(ForwardingSnapshot snapshot, SnapshotPort inPort, PacketBatch batch, long nowMs,
        Forwarding forwarding)
    {
        if (inPort.Capture is { } capture) CaptureAll(capture, batch);
        if (inPort.Demux is { } demux)
        {
            for (int i = 0; i < batch.Count; i++) Demultiplex(snapshot, inPort.Index, demux, batch, i, nowMs,
                forwarding);
        }
        else if (snapshot.Bridge(inPort.Domain) is { } bridge)
        {
            for (int i = 0; i < batch.Count; i++) Enter(snapshot, inPort, bridge, batch, i, nowMs, forwarding);
        }
    }

    /// <summary>
    /// Hands a frame from a PIF's member to the uplink port of the bridge its outer 802.1Q tag names,
    /// taking the tag off for a VLAN network. Untagged frames (and 802.1ad S-tagged ones, which are not a
    /// VLAN network's) belong to the untagged bridge on the PIF.
    /// </summary>
    private void Demultiplex(ForwardingSnapshot snapshot, ushort member, VlanDemux demux, PacketBatch batch, int packet,
        long nowMs,
        Forwarding forwarding)
    {
        int frameLength = batch.Length(packet);
        counters.Add(member, PortCounters.RxPackets, 1);
        counters.Add(member, PortCounters.RxBytes, frameLength);
        if (!demux.Admission.Receives)
        {
            counters.Drop(member, DropReason.BondStandby);
            return;
        }
        if (frameLength < EthernetFrame.MinimumLength)
        {
            counters.Drop(member, DropReason.TooShort);
            return;
        }

        var frame = batch.Frame(packet);
        ushort uplink = demux.Untagged;
        bool pop = false;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == EtherType.Vlan)
        {
            if (frameLength < EthernetFrame.MinimumLength + VlanTag.Length)
            {
                counters.Drop(member, DropReason.TooShort);
                return;
            }
            int vlan = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0x0FFF;
            uplink = demux.ByVlan[vlan];
            pop = demux.PopTag[vlan];
        }
        if (uplink == 0 || snapshot.Port(uplink) is not { } port || snapshot.Bridge(port.Domain) is not { } bridge)
        {
            counters.Drop(member, DropReason.UnknownVlan);
            return;
        }
        if (demux.Admission.Refuses(frame, fdb, bridge.Domain, uplink) is { } refused)
        {
            counters.Drop(member, refused);
            return;
        }
        if (pop) batch.RemoveTag(packet);
        // A capture on a bridge's uplink (eth1.5) sees that network's frames as the bridge does: untagged.
        if (port.Capture is { } capture) capture.Record(worker, batch.Frame(packet), CaptureSession.NowMicros());
        Enter(snapshot, port, bridge, batch, packet, nowMs, forwarding);
    }

    /// <summary>A frame on a port of <paramref name="bridge"/>: parse, filter, learn, then forward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enter(ForwardingSnapshot snapshot, SnapshotPort inPort, SnapshotBridge bridge, PacketBatch batch,
        int packet, long nowMs,
        Forwarding forwarding)
    {
        ushort ingress = inPort.Index;
        int frameLength = batch.Length(packet);
        counters.Add(ingress, PortCounters.RxPackets, 1);
        counters.Add(ingress, PortCounters.RxBytes, frameLength);

        // Parse.
        if (frameLength < EthernetFrame.MinimumLength)
        {
            counters.Drop(ingress, DropReason.TooShort);
            return;
        }
        if (inPort.Role != PortRole.Uplink) TakePriorityTag(batch, packet, frameLength);
        var error = EthernetFrame.TryParse(batch.Frame(packet), out var frame);
        if (error != FrameError.None)
        {
            counters.Drop(ingress, error == FrameError.TooShort ? DropReason.TooShort : DropReason.InvalidSource);
            return;
        }
        // A locked guest may send only from its own addresses (VIF locking), before anything is learned from it.
        if (inPort.Lock is { } locked && locked.Refuses(frame, batch.Frame(packet)) is { } spoofed)
        {
            counters.Drop(ingress, spoofed);
            return;
        }
        // Guests send untagged frames (VLAN networks are bridges of their own), unless their port is a
        // trunk for the VLAN they tag with; tags left after the uplink's own are the network's payload.
        if (frame.IsTagged && !inPort.AcceptsTagged(frame.OuterTag.Id))
        {
            counters.Drop(ingress, DropReason.VlanNotAllowed);
            return;
        }

        // Learn.
        var learned = fdb.Learn(bridge.Domain, frame.Source, ingress, nowMs);
        if (learned == LearnResult.RefusedPortLimit) counters.Add(ingress, PortCounters.LearningRefused, 1);
        if (frame.EtherType == EtherType.Arp && !frame.IsTagged && inPort.Role == PortRole.Guest
            && addresses is not null && learned is not (LearnResult.RefusedPortLimit or LearnResult.RefusedTableFull))
            addresses.Observe(bridge.Domain, frame.Source, batch.Frame(packet)[EthernetFrame.HeaderLength..]);

        forwarding.Forward(snapshot, ingress, bridge, batch, packet, frame);
    }

    /// <summary>
    /// A priority tag (802.1Q, VLAN ID 0: what hosts send with 802.1p priority on) means an untagged frame
    /// with a priority, as the standard says. The tag comes off, so the frame is switched as untagged; its
    /// priority stays beside it (<see cref="PacketBatch.Priority"/>) for the tag a VLAN uplink pushes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TakePriorityTag(PacketBatch batch, int packet, int frameLength)
    {
        var raw = batch.Frame(packet);
        if (frameLength < EthernetFrame.HeaderLength + VlanTag.Length
            || BinaryPrimitives.ReadUInt16BigEndian(raw[12..]) != EtherType.Vlan)
            return;
        ushort tci = BinaryPrimitives.ReadUInt16BigEndian(raw[14..]);
        if ((tci & 0x0FFF) != 0) return;
        batch.RemoveTag(packet);
        batch.SetPriority(packet, (byte)(tci >> 12));
    }

    // Capture runs only for a port someone is capturing on; every other port pays one null check per batch.
    private void CaptureAll(CaptureSession capture, PacketBatch batch)
    {
        long now = CaptureSession.NowMicros();
        for (int i = 0; i < batch.Count; i++)
            if (batch.Length(i) > 0) capture.Record(worker, batch.Frame(i), now);
    }
}
