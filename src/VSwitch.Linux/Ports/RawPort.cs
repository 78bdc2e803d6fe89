using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.HostBoundary;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// An AF_PACKET socket on an existing interface (a NIC, a veth, a TAP that QEMU opened), in promiscuous
/// mode so frames keep the guests' source MACs. PACKET_VNET_HDR carries the same virtio-net header as
/// our TAPs, so large and partially-checksummed frames pass between the two kinds unchanged;
/// PACKET_IGNORE_OUTGOING keeps our own transmissions from coming back; PACKET_AUXDATA returns a VLAN
/// tag the kernel stripped, which is put back into the frame before switching. Frames arrive through a
/// <see cref="PacketReceiveRing"/> where the kernel allows one, else through recvmmsg.
/// </summary>
public sealed unsafe class RawPort : ILinuxPort, IUplinkMember
{
    private const int ControlSize = 64; // CMSG_SPACE(sizeof(tpacket_auxdata)) is 40
    private const int MaxSendBatch = 64;
    /// <summary>Frames up to this size, virtio-net header included, carry no bulk data: a TCP ACK (76 bytes), a 64-byte test frame (70).</summary>
    private const int SmallFrameBytes = 200;
    /// <summary>The socket error the kernel leaves pending on a packet socket, which the next send reads (<see cref="PendingErrorConsumed"/>).</summary>
    private static readonly int PendingError = ENETDOWN;

    private readonly FileDescriptor _fd;
    private readonly PacketReceiveRing? _ring;
    private readonly PortIsolation? _isolation;
    private readonly PortIsolation.Claim? _claim;
    // Receive scratch: used only by the one worker that polls this port.
    private MMsgHdr* _rxMessages;
    private IoVec* _rxVectors;
    private byte* _rxControl;
    private int _rxCapacity;

    private RawPort(string name, int index, FileDescriptor fd, PacketReceiveRing? ring, MacAddress mac, PortIsolation? isolation, PortIsolation.Claim? claim)
    {
        Name = name;
        InterfaceIndex = index;
        _fd = fd;
        _ring = ring;
        Mac = mac;
        _isolation = isolation;
        _claim = claim;
    }

    public string Name { get; }
    public PortKind Kind => PortKind.Raw;
    public MacAddress Mac { get; }
    public int Fd => _fd.Fd;
    /// <summary>The interface's index, which stays when it is renamed.</summary>
    public int InterfaceIndex { get; }
    /// <summary>The interface's MTU when the port opened; the control plane follows its changes.</summary>
    public int Mtu { get; private init; }
    public InterfacePlace? Place => new InterfacePlace(null, InterfaceIndex);

    /// <summary>Why the kernel refused the receive ring this port asked for, else null.</summary>
    public string? RingRefused { get; private init; }

    /// <summary>
    /// Opens <paramref name="device"/> as a port; <paramref name="receiveRing"/> false receives with recvmmsg.
    /// With <paramref name="isolation"/>, the interface is taken from the host's stack first (before it is
    /// brought up) and given back when the port is disposed.
    /// </summary>
    public static RawPort Open(string device, bool receiveRing = true, PortIsolation? isolation = null)
    {
        int index = NetInterface.Index(device);
        if (index == 0) throw new ConfigException($"interface {device} does not exist");

        var claim = isolation?.Isolate(device);
        FileDescriptor? handle = null;
        PacketReceiveRing? ring = null;
        try
        {
            // Protocol 0 until bound, so that no frame from another interface is queued before bind().
            int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) throw NativeError.Last($"socket(AF_PACKET, {device})");
            handle = new FileDescriptor(fd);
            SetOption(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", device);
            SetOption(fd, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA", device);
            SetOption(fd, SOL_PACKET, Sys.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING", device);
            // Room for bursts of 64 KB frames; FORCE works as root and ignores the sysctl caps.
            SetOption(fd, SOL_SOCKET, Sys.SO_RCVBUFFORCE, 8 << 20, "SO_RCVBUFFORCE", device);
            SetOption(fd, SOL_SOCKET, Sys.SO_SNDBUFFORCE, 4 << 20, "SO_SNDBUFFORCE", device);
            // After PACKET_VNET_HDR (which a ring makes immutable) and before bind.
            string? refusal = null;
            if (receiveRing) ring = PacketReceiveRing.TryCreate(fd, out refusal);

            var address = new sockaddr_ll
            {
                sll_family = (ushort)(int)AF_PACKET,
                sll_protocol = htons(Sys.ETH_P_ALL),
                sll_ifindex = index,
            };
            if (bind(fd, (sockaddr*)&address, (uint)sizeof(sockaddr_ll)) < 0) throw NativeError.Last($"bind(AF_PACKET, {device})");

            var membership = new packet_mreq { mr_ifindex = index, mr_type = (ushort)PACKET_MR_PROMISC };
            if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, (uint)sizeof(packet_mreq)) < 0)
                throw NativeError.Last($"setsockopt(PACKET_ADD_MEMBERSHIP promisc, {device})");

            NetInterface.SetUp(device, true);
            // Bound while its link was still down, the socket holds ENETDOWN. The worker takes it when
            // epoll reports it, but on a busy bridge frames for this port can come first and meet it.
            TakePendingError(fd);
            return new RawPort(device, index, handle, ring, NetInterface.GetMac(device), isolation, claim)
            {
                RingRefused = refusal,
                Mtu = NetInterface.Mtu(device),
            };
        }
        catch
        {
            handle?.Dispose();
            ring?.Dispose();
            if (claim is not null) isolation!.Release(claim);
            throw;
        }
    }

    private static void SetOption(int fd, int level, int option, int value, string what, string device)
    {
        if (setsockopt(fd, level, option, &value, sizeof(int)) < 0) throw NativeError.Last($"setsockopt({what}, {device})");
    }

    /// <summary>
    /// From the ring when there is one: each frame is copied out of its slot (70 bytes with its
    /// virtio-net header for a 64-byte frame, where a recvmmsg cost its share of a system call and an
    /// skb freed here), and frames too large for a slot are taken from the socket's queue in one
    /// recvmmsg after the walk.
    /// </summary>
    [SkipLocalsInit]
    public int Receive(PacketBatch batch, PortCounters counters, ushort index)
    {
        if (_ring is null)
        {
            Span<int> all = stackalloc int[batch.Capacity];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            int received = ReceiveQueued(batch, all);
            // The socket's queue can only have overflowed while it held more than a batch.
            if (received == batch.Capacity) CountKernelDrops(counters, index);
            return batch.Count = Compact(batch, received, counters, index);
        }

        Span<int> queued = stackalloc int[batch.Capacity];
        int count = 0, copies = 0;
        // A full ring drops what comes next; if nothing comes after the drops, no slot will ever say LOSING.
        bool dropsUnread = _ring.Full();
        Tpacket2Header* frame;
        while (count < batch.Capacity && (frame = _ring.Ready()) != null)
        {
            uint status = frame->Status;
            dropsUnread |= (status & Sys.TP_STATUS_LOSING) != 0;
            int length = (int)frame->Snaplen + VirtioNetHeader.Length;
            if ((status & PacketReceiveRing.StatusCopy) != 0)
            {
                queued[copies++] = count;
                batch.Set(count++, PacketBatch.Headroom, 0);
            }
            else if (frame->Snaplen < frame->Len || length > batch.PacketRoom)
            {
                // Cut short with no copy queued: the socket's buffer was full when it came.
                counters.Drop(index, DropReason.Truncated);
            }
            else
            {
                // The kernel wrote the virtio-net header just before the frame.
                byte* from = (byte*)frame + frame->Mac - VirtioNetHeader.Length;
                Buffer.MemoryCopy(from, batch.Slot(count) + PacketBatch.Headroom, batch.PacketRoom, length);
                batch.Set(count, PacketBatch.Headroom, length);
                RestoreTag(batch, count, status, frame->VlanTci, frame->VlanTpid);
                count++;
            }
            _ring.Release(frame);
        }
        if (copies > 0) ReceiveQueued(batch, queued[..copies]);
        if (dropsUnread) CountKernelDrops(counters, index);
        return batch.Count = Compact(batch, count, counters, index);
    }

    /// <summary>
    /// Adds the frames the kernel dropped because the ring or the socket's queue was full, which the
    /// switch never saw. Reading PACKET_STATISTICS resets the kernel's count, so only this port's worker
    /// reads it: after a walk of a ring that was full when it began (the drops so far, once there is room
    /// again), or that met a slot flagged TP_STATUS_LOSING (set on every frame that lands while drops are
    /// unread: those after the ring had room), or after a recvmmsg that filled the batch.
    /// </summary>
    private void CountKernelDrops(PortCounters counters, ushort index)
    {
        TpacketStats stats;
        socklen_t length = (uint)sizeof(TpacketStats);
        if (getsockopt(_fd.Fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) == 0 && stats.Drops > 0)
            counters.Drop(index, DropReason.RxQueueFull, stats.Drops);
    }

    /// <summary>
    /// One recvmmsg into the given slots, in order; each slot's length is set to what arrived, or 0 for a
    /// frame that did not (cut by the kernel, or missing). Returns how many slots were filled in.
    /// </summary>
    private int ReceiveQueued(PacketBatch batch, ReadOnlySpan<int> slots)
    {
        EnsureReceiveScratch(batch.Capacity);
        for (int i = 0; i < slots.Length; i++)
        {
            _rxVectors[i].Base = batch.Slot(slots[i]) + PacketBatch.Headroom;
            _rxVectors[i].Length = (nuint)batch.PacketRoom;
            ref var header = ref _rxMessages[i].Header;
            header.Name = null;
            header.NameLength = 0;
            header.Iov = &_rxVectors[i];
            header.IovLength = 1;
            header.Control = _rxControl + i * ControlSize;
            header.ControlLength = ControlSize;
            header.Flags = 0;
        }

        int received = Sys.recvmmsg(_fd.Fd, _rxMessages, (uint)slots.Length, Sys.MSG_DONTWAIT, null);
        // A pending socket error (see PendingErrorConsumed) comes before the frames; reading it cleared it.
        if (received < 0 && PendingErrorConsumed(Marshal.GetLastPInvokeError()))
            received = Sys.recvmmsg(_fd.Fd, _rxMessages, (uint)slots.Length, Sys.MSG_DONTWAIT, null);
        received = Math.Max(0, received);
        for (int i = 0; i < slots.Length; i++)
        {
            var message = &_rxMessages[i];
            bool whole = i < received && (message->Header.Flags & Sys.MSG_TRUNC) == 0;
            batch.Set(slots[i], PacketBatch.Headroom, whole ? (int)message->Length : 0);
            if (whole) RestoreTagFromAuxdata(batch, slots[i], &message->Header);
        }
        return received;
    }

    /// <summary>
    /// Closes the gaps left by frames that did not arrive whole, by bookkeeping only (an entry may point
    /// into a later slot's memory); each gap is counted as a truncated frame.
    /// </summary>
    private static int Compact(PacketBatch batch, int count, PortCounters counters, ushort index)
    {
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            int length = batch.Length(i);
            if (length == 0)
            {
                counters.Drop(index, DropReason.Truncated);
                continue;
            }
            if (kept != i) batch.Set(kept, (int)(batch.Data(i) - batch.Slot(kept)), length);
            kept++;
        }
        return kept;
    }

    /// <summary>If the kernel stripped a VLAN tag (hardware or veth offload), put it back where it was, as PACKET_AUXDATA says.</summary>
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
    /// Puts back the tag a ring slot's header or the auxiliary data reports stripped (the same status
    /// bits in both); a TPID the kernel did not report is 802.1Q's.
    /// </summary>
    private static void RestoreTag(PacketBatch batch, int packet, uint status, ushort tci, ushort tpid)
    {
        if ((status & Sys.TP_STATUS_VLAN_VALID) == 0) return;
        batch.InsertTag(packet, (status & Sys.TP_STATUS_VLAN_TPID_VALID) != 0 ? tpid : EtherType.Vlan, tci);
    }

    private void EnsureReceiveScratch(int capacity)
    {
        if (_rxCapacity >= capacity) return;
        FreeReceiveScratch();
        _rxMessages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _rxVectors = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _rxControl = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * ControlSize));
        _rxCapacity = capacity;
    }

    /// <summary>
    /// A batch that carries bulk data, two frames or more with one larger than <see cref="SmallFrameBytes"/>,
    /// goes through the worker's ring (<see cref="RingWrites"/> says why); anything else by sendmmsg, which
    /// costs less per frame: through the ring, 64-byte frames lost 4-6 % of their rate in A/B runs. A frame
    /// the ring's write lost to a pending ENETDOWN (see <see cref="PendingErrorConsumed"/>), or that the
    /// kernel's ring refused to take, goes again by sendmmsg, which sends it if the link is up after all:
    /// after the rest of its batch, so out of order. The port takes such errors as they come, so only a
    /// send racing a link's going down can still meet one.
    /// </summary>
    [SkipLocalsInit]
    public int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        if (packets.Length < RingWrites.MinBatch || !CarriesBulk(batch, packets) || WorkerRing.Current is not { } ring)
            return Send(batch, packets, vlan: 0, out frameBytes, out errors);
        Span<int> resend = stackalloc int[packets.Length];
        int sent = RingWrites.Transmit(ring, _fd.Fd, batch, packets, resend, PendingError, out int resends, out frameBytes, out errors);
        if (resends == 0) return sent;
        sent += Send(batch, resend[..resends], vlan: 0, out long resentBytes, out int resendErrors);
        frameBytes += resentBytes;
        errors += resendErrors;
        return sent;
    }

    /// <summary>Whether any of the frames is larger than <see cref="SmallFrameBytes"/>, virtio-net header included.</summary>
    private static bool CarriesBulk(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        foreach (int packet in packets)
            if (batch.Length(packet) > SmallFrameBytes) return true;
        return false;
    }

    /// <summary>Tagged frames go out of an uplink by sendmmsg, which gathers each from four pieces (see <see cref="Send"/>).</summary>
    public int TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan, out long frameBytes, out int errors) =>
        Send(batch, packets, vlan, out frameBytes, out errors);

    /// <summary>
    /// sendmmsg in chunks of 64. With a VLAN, each frame goes out as four pieces gathered by the kernel: a
    /// copy of its virtio-net header with the offsets moved past the tag, its MAC addresses, the tag, and
    /// the rest, so the frame in the batch (possibly also on its way to other ports) is never modified.
    /// </summary>
    [SkipLocalsInit]
    private int Send(PacketBatch batch, ReadOnlySpan<int> packets, int vlan, out long frameBytes, out int errors)
    {
        // Called by any worker, possibly concurrently: the message arrays live on the caller's stack.
        const int piecesPerFrame = 4;
        const int scratchStride = 16; // virtio-net header copy at 0, tag at 12
        const int addresses = VirtioNetHeader.Length + 2 * MacAddress.Length;
        int total = packets.Length;
        int sent = 0;
        errors = 0;
        frameBytes = 0;
        bool retried = false;
        MMsgHdr* messages = stackalloc MMsgHdr[MaxSendBatch];
        IoVec* vectors = stackalloc IoVec[MaxSendBatch * piecesPerFrame];
        byte* scratch = stackalloc byte[MaxSendBatch * scratchStride];
        int next = 0;
        while (next < total)
        {
            int chunk = Math.Min(total - next, MaxSendBatch);
            for (int i = 0; i < chunk; i++)
            {
                int packet = packets[next + i];
                byte* data = batch.Data(packet);
                int length = batch.Length(packet);
                var vector = vectors + i * piecesPerFrame;
                messages[i] = default;
                messages[i].Header.Iov = vector;
                if (vlan == 0)
                {
                    vector[0].Base = data;
                    vector[0].Length = (nuint)length;
                    messages[i].Header.IovLength = 1;
                    continue;
                }
                byte* header = scratch + i * scratchStride;
                Buffer.MemoryCopy(data, header, VirtioNetHeader.Length, VirtioNetHeader.Length);
                VirtioNetHeader.ShiftOffsets(new Span<byte>(header, VirtioNetHeader.Length), VlanTag.Length);
                byte* tag = header + 12;
                ushort tci = VlanPush.OuterTci(new ReadOnlySpan<byte>(data + VirtioNetHeader.Length, length - VirtioNetHeader.Length), vlan, batch.Priority(packet));
                tag[0] = EtherType.Vlan >> 8; tag[1] = EtherType.Vlan & 0xFF;
                tag[2] = (byte)(tci >> 8); tag[3] = (byte)tci;
                vector[0].Base = header;
                vector[0].Length = VirtioNetHeader.Length;
                vector[1].Base = data + VirtioNetHeader.Length;
                vector[1].Length = 2 * MacAddress.Length;
                vector[2].Base = tag;
                vector[2].Length = VlanTag.Length;
                vector[3].Base = data + addresses;
                vector[3].Length = (nuint)(length - addresses);
                messages[i].Header.IovLength = piecesPerFrame;
            }
            int n = Sys.sendmmsg(_fd.Fd, messages, (uint)chunk, Sys.MSG_DONTWAIT);
            if (n < 0 && !retried && PendingErrorConsumed(Marshal.GetLastPInvokeError()))
            {
                retried = true; // the same chunk again, once: if the link is really down it fails again
                continue;
            }
            if (n < 0)
            {
                // A full socket buffer (or a link that is down) refuses everything after it as well;
                // anything else is this one frame refused: count it and go on with the rest.
                if (TransmitErrno.IsNoRoom(Marshal.GetLastPInvokeError())) break;
                errors++;
                next++;
                continue;
            }
            for (int i = 0; i < n; i++) frameBytes += batch.Length(packets[next + i]) - VirtioNetHeader.Length + (vlan == 0 ? 0 : VlanTag.Length);
            sent += n;
            // sendmmsg stops before the first message the kernel refuses; the next call reports why.
            next += n;
        }
        return sent;
    }

    /// <summary>
    /// Whether a failed call may have failed only on a socket error left pending by the kernel, which the
    /// call has now read and cleared: ENETDOWN, set when the interface goes down and when the socket is
    /// bound while it is down (as <see cref="Open"/> does before bringing it up). The first send after it
    /// fails with it and loses its frame; recvmmsg used to read it in passing, the ring never does. Open
    /// takes the error of its own bind, and the worker takes the one a link's going down leaves as soon as
    /// epoll reports it (<see cref="TakePendingError()"/>); a send that meets one all the same sends again.
    /// </summary>
    private static bool PendingErrorConsumed(int errno) => errno == PendingError;

    /// <summary>
    /// Reads the socket's pending error, which clears it. Epoll reports EPOLLERR for as long as one is
    /// pending, so without this a worker would find this port ready on every wait, and spin, until a
    /// frame was sent to it. (The kernel leaves it once, when the link goes down, also on its way to
    /// deleting the interface: the control thread learns of a deletion from rtnetlink instead,
    /// SwitchController.OnLinkDeleted.)
    /// </summary>
    public bool TakePendingError()
    {
        TakePendingError(_fd.Fd);
        return true;
    }

    private static void TakePendingError(int fd)
    {
        int error = 0;
        socklen_t length = sizeof(int);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }

    private void FreeReceiveScratch()
    {
        NativeMemory.Free(_rxMessages);
        NativeMemory.Free(_rxVectors);
        NativeMemory.Free(_rxControl);
        _rxMessages = null;
        _rxVectors = null;
        _rxControl = null;
        _rxCapacity = 0;
    }

    public void Dispose()
    {
        _fd.Dispose();
        _ring?.Dispose();
        FreeReceiveScratch();
        if (_claim is not null) _isolation!.Release(_claim);
    }
}
