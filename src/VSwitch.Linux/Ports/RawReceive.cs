using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A raw port's receive side: frames from the socket's <see cref="PacketReceiveRing"/> where the kernel
/// allowed one, else from recvmmsg; a VLAN tag the kernel stripped is put back into the frame before
/// switching; frames the kernel dropped for a full ring or queue are counted. Used by the one worker that
/// polls the port, so its scratch needs no lock.
/// </summary>
internal sealed unsafe class RawReceive(RawSocket socket) : IDisposable
{
    private const int ControlSize = 64; // CMSG_SPACE(sizeof(tpacket_auxdata)) is 40
    private const int At = PacketBatch.Headroom - VirtioNetHeader.Length;

    private MMsgHdr* _messages;
    private IoVec* _vectors;
    private byte* _control;
    private int _capacity;

    /// <summary>
    /// From the ring when there is one: each frame is copied out of its slot, and frames too large for a
    /// slot are taken from the socket's queue in one recvmmsg after the walk.
    /// </summary>
    [SkipLocalsInit]
    public int Receive(PacketBatch batch, DropCounter drops)
    {
        if (socket.Ring is not { } ring)
        {
            Span<int> all = stackalloc int[batch.Capacity];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            int received = ReceiveQueued(batch, all);
            // The socket's queue can only have overflowed while it held more than a batch.
            if (received == batch.Capacity) CountKernelDrops(drops);
            return batch.Count = CloseGaps(batch, received, drops);
        }

        Span<int> queued = stackalloc int[batch.Capacity];
        int count = 0, copies = 0;
        // A full ring drops what comes next; if nothing comes after the drops, no slot will ever say LOSING.
        bool dropsUnread = ring.Full();
        Tpacket2Header* frame;
        while (count < batch.Capacity && (frame = ring.Ready()) != null)
        {
            uint status = frame->Status;
            dropsUnread |= (status & Sys.TP_STATUS_LOSING) != 0;
            int length = (int)frame->Snaplen + VirtioNetHeader.Length;
            if ((status & PacketReceiveRing.StatusCopy) != 0)
            {
                queued[copies++] = count;
                batch.Set(count++, PacketBatch.Headroom, 0);
            }
            else if (frame->Snaplen < frame->Len || frame->Snaplen > batch.FrameRoom)
            {
                // Cut short with no copy queued: the socket's buffer was full when it came.
                drops.Add(DropReason.Truncated);
            }
            else
            {
                // The kernel wrote the virtio-net header just before the frame.
                byte* from = (byte*)frame + frame->Mac - VirtioNetHeader.Length;
                Buffer.MemoryCopy(from, batch.Slot(count) + At, batch.FrameRoom + VirtioNetHeader.Length, length);
                VirtioNetHeader.Received(batch, count, At, length);
                RestoreTag(batch, count, status, frame->VlanTci, frame->VlanTpid);
                count++;
            }
            ring.Release(frame);
        }
        if (copies > 0) ReceiveQueued(batch, queued[..copies]);
        if (dropsUnread) CountKernelDrops(drops);
        return batch.Count = CloseGaps(batch, count, drops);
    }

    /// <summary>
    /// Adds the frames the kernel dropped because the ring or the socket's queue was full, which the switch
    /// never saw. Reading PACKET_STATISTICS resets the kernel's count, so only the port's worker reads it:
    /// after a walk of a ring that was full when it began, or that met a slot flagged TP_STATUS_LOSING, or
    /// after a recvmmsg that filled the batch.
    /// </summary>
    private void CountKernelDrops(DropCounter drops)
    {
        TpacketStats stats;
        socklen_t length = (uint)sizeof(TpacketStats);
        if (getsockopt(socket.Fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) == 0 && stats.Drops > 0)
            drops.Add(DropReason.RxQueueFull, stats.Drops);
    }

    /// <summary>
    /// One recvmmsg into the given slots, in order; each slot is set to what arrived, or left empty for a
    /// frame that did not (cut by the kernel, or missing). Returns how many slots were filled in.
    /// </summary>
    private int ReceiveQueued(PacketBatch batch, ReadOnlySpan<int> slots)
    {
        EnsureScratch(batch.Capacity);
        for (int i = 0; i < slots.Length; i++)
        {
            _vectors[i].Base = batch.Slot(slots[i]) + At;
            _vectors[i].Length = (nuint)(batch.FrameRoom + VirtioNetHeader.Length);
            ref var header = ref _messages[i].Header;
            header.Name = null;
            header.NameLength = 0;
            header.Iov = &_vectors[i];
            header.IovLength = 1;
            header.Control = _control + i * ControlSize;
            header.ControlLength = ControlSize;
            header.Flags = 0;
        }

        int received = Sys.recvmmsg(socket.Fd, _messages, (uint)slots.Length, Sys.MSG_DONTWAIT, null);
        // A pending socket error comes before the frames; reading it cleared it.
        if (received < 0 && Marshal.GetLastPInvokeError() == RawSocket.PendingError)
            received = Sys.recvmmsg(socket.Fd, _messages, (uint)slots.Length, Sys.MSG_DONTWAIT, null);
        received = Math.Max(0, received);
        for (int i = 0; i < slots.Length; i++)
        {
            var message = &_messages[i];
            bool whole = i < received && (message->Header.Flags & Sys.MSG_TRUNC) == 0
                && message->Length > VirtioNetHeader.Length;
            if (!whole)
            {
                batch.Set(slots[i], PacketBatch.Headroom, 0);
                continue;
            }
            VirtioNetHeader.Received(batch, slots[i], At, (int)message->Length);
            RestoreTagFromAuxdata(batch, slots[i], &message->Header);
        }
        return received;
    }

    /// <summary>
    /// Closes the gaps left by frames that did not arrive whole, by bookkeeping only (an entry may then
    /// point into a later slot's memory, headroom included); each gap is counted as a truncated frame.
    /// </summary>
    private static int CloseGaps(PacketBatch batch, int count, DropCounter drops)
    {
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            int length = batch.Length(i);
            if (length == 0)
            {
                drops.Add(DropReason.Truncated);
                continue;
            }
            if (kept != i)
            {
                var offload = batch.Offload(i);
                byte priority = batch.Priority(i);
                batch.Set(kept, (int)(batch.Data(i) - batch.Slot(kept)), length);
                batch.Offload(kept) = offload;
                batch.SetPriority(kept, priority);
            }
            kept++;
        }
        return kept;
    }

    /// <summary>If the kernel stripped a VLAN tag (hardware or veth offload), puts it back where it was, as
    /// PACKET_AUXDATA says.</summary>
    private static void RestoreTagFromAuxdata(PacketBatch batch, int packet, MsgHdr* header)
    {
        byte* at = (byte*)header->Control;
        byte* end = at + header->ControlLength;
        while (at + CMsgHdr.DataOffset <= end)
        {
            var cmsg = (CMsgHdr*)at;
            if (cmsg->Length < CMsgHdr.DataOffset) return;
            at += (cmsg->Length + 7) & ~(nuint)7;
            if (cmsg->Level != SOL_PACKET || cmsg->Type != PACKET_AUXDATA) continue;
            var aux = (TpacketAuxdata*)((byte*)cmsg + CMsgHdr.DataOffset);
            RestoreTag(batch, packet, aux->Status, aux->VlanTci, aux->VlanTpid);
            return;
        }
    }

    /// <summary>
    /// Puts back the tag a ring slot's header or the auxiliary data reports stripped (the same status bits in
    /// both); a TPID the kernel did not report is 802.1Q's.
    /// </summary>
    private static void RestoreTag(PacketBatch batch, int packet, uint status, ushort tci, ushort tpid)
    {
        if ((status & Sys.TP_STATUS_VLAN_VALID) == 0) return;
        batch.InsertTag(packet, (status & Sys.TP_STATUS_VLAN_TPID_VALID) != 0 ? tpid : EtherType.Vlan, tci);
    }

    private void EnsureScratch(int capacity)
    {
        if (_capacity >= capacity) return;
        Dispose();
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _vectors = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * ControlSize));
        _capacity = capacity;
    }

    public void Dispose()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_control);
        _messages = null;
        _vectors = null;
        _control = null;
        _capacity = 0;
    }
}
