using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;
using VSwitch.Linux.Datapath;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A raw port's transmit side: sendmmsg in chunks, or the worker's io_uring for a batch that carries bulk
/// data (<see cref="RingWrites"/> says why), and for a VLAN network's uplink each frame gathered behind a
/// pushed tag. Called by any worker, possibly several at once: everything per call lives on the caller's
/// stack, and the frames in the batch are never modified.
/// </summary>
internal sealed unsafe class RawTransmit(RawSocket socket, DatapathTuning tuning)
{
    private const int MaxSendBatch = 64;

    /// <summary>
    /// A batch of two frames or more with one larger than <see cref="DatapathTuning.SmallFrameBytes"/> goes
    /// through the worker's ring; anything else by sendmmsg, which costs less per frame for small ones. A
    /// frame the ring's write lost to a pending ENETDOWN (see <see cref="RawSocket.PendingError"/>) goes
    /// again by sendmmsg, which sends it if the link is up after all: after the rest of its batch, so out
    /// of order. Such errors are taken as they come, so only a send racing a link's going down meets one.
    /// </summary>
    [SkipLocalsInit]
    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        if (packets.Length < tuning.RingMinBatch || !CarriesBulk(batch, packets) || WorkerRing.Current is not { } ring)
            return Send(batch, packets, vlan: 0);
        Span<int> resend = stackalloc int[packets.Length];
        var result = RingWrites.Transmit(ring, socket.Fd, batch, packets, resend, RawSocket.PendingError,
            out int resends);
        return resends == 0 ? result : result + Send(batch, resend[..resends], vlan: 0);
    }

    /// <summary>Tagged frames go by sendmmsg, which gathers each from four pieces (see <see cref="Send"/>).</summary>
    public TxResult TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan) => Send(batch, packets,
        vlan);

    private bool CarriesBulk(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        foreach (int packet in packets)
            if (batch.Length(packet) > tuning.SmallFrameBytes) return true;
        return false;
    }

    /// <summary>
    /// sendmmsg in chunks of 64. With a VLAN, each frame goes out as four pieces gathered by the kernel: its
    /// virtio-net header (its offsets moved past the tag), its MAC addresses, the tag, and the rest.
    /// </summary>
    [SkipLocalsInit]
    private TxResult Send(PacketBatch batch, ReadOnlySpan<int> packets, int vlan)
    {
        const int piecesPerFrame = 4;
        const int scratchStride = 16; // virtio-net header at 0, tag at 12
        int total = packets.Length;
        var tally = new TxTally();
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
                var vector = vectors + i * piecesPerFrame;
                messages[i] = default;
                messages[i].Header.Iov = vector;
                messages[i].Header.IovLength = vlan == 0 ? 1u : piecesPerFrame;
                if (vlan == 0) Whole(batch, packet, vector);
                else Tagged(batch, packet, vlan, vector, scratch + i * scratchStride);
            }
            int n = Sys.sendmmsg(socket.Fd, messages, (uint)chunk, Sys.MSG_DONTWAIT);
            if (n < 0 && !retried && Marshal.GetLastPInvokeError() == RawSocket.PendingError)
            {
                retried = true; // the same chunk again, once: if the link is really down it fails again
                continue;
            }
            if (n < 0)
            {
                // A full socket buffer (or a link that is down) refuses everything after it as well;
                // anything else is this one frame refused: count it and go on with the rest.
                if (TransmitErrno.IsNoRoom(Marshal.GetLastPInvokeError())) break;
                tally.Refused();
                next++;
                continue;
            }
            for (int i = 0; i < n; i++) tally.Delivered(batch.Length(packets[next + i]) + (vlan == 0 ? 0
                : VlanTag.Length));
            // sendmmsg stops before the first message the kernel refuses; the next call reports why.
            next += n;
        }
        return tally.Of(total);
    }

    /// <summary>One piece: the frame behind its header, written in front of it.</summary>
    private static void Whole(PacketBatch batch, int packet, IoVec* vector)
    {
        vector[0].Base = VirtioNetHeader.Prepend(batch, packet);
        vector[0].Length = (nuint)(VirtioNetHeader.Length + batch.Length(packet));
    }

    /// <summary>Four pieces: a header with its offsets moved past the tag, the MAC addresses, the tag, the
    /// rest.</summary>
    private static void Tagged(PacketBatch batch, int packet, int vlan, IoVec* vector, byte* scratch)
    {
        const int addresses = 2 * MacAddress.Length;
        byte* data = batch.Data(packet);
        int length = batch.Length(packet);
        var offload = batch.Offload(packet);
        offload.Shift(VlanTag.Length);
        VirtioNetHeader.Write(offload, new Span<byte>(scratch, VirtioNetHeader.Length));
        byte* tag = scratch + 12;
        ushort tci = VlanPush.OuterTci(new ReadOnlySpan<byte>(data, length), vlan, batch.Priority(packet));
        tag[0] = EtherType.Vlan >> 8; tag[1] = EtherType.Vlan & 0xFF;
        tag[2] = (byte)(tci >> 8); tag[3] = (byte)tci;
        vector[0].Base = scratch;
        vector[0].Length = VirtioNetHeader.Length;
        vector[1].Base = data;
        vector[1].Length = addresses;
        vector[2].Base = tag;
        vector[2].Length = VlanTag.Length;
        vector[3].Base = data + addresses;
        vector[3].Length = (nuint)(length - addresses);
    }
}
