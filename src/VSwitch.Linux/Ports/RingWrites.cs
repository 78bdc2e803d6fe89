using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A batch of frames written to a port through the worker's io_uring, one write per frame and one
/// io_uring_enter for them all: how a TAP (one frame per write()) transmits two frames or more, and a raw
/// port a batch that carries bulk data (a write on a bound AF_PACKET socket is a send). The kernel still
/// handles each frame on its own: a written frame runs the receiving stack inside the submission.
/// <para>
/// For a raw port the ring replaces sendmmsg for another reason than the system calls: sendmmsg calls
/// cond_resched() after every message, so on a kernel that preempts only at such points the receiving
/// application ran after every frame and acknowledged each; the ring writes the whole batch first
/// (perf/README.md, "Techniques": raw ports' cubic TCP).
/// </para>
/// </summary>
internal static unsafe class RingWrites
{
    /// <summary>
    /// Writes the <paramref name="packets"/> of <paramref name="batch"/> to <paramref name="fd"/>, each behind its
    /// virtio-net header, counting like write() does: a frame refused for want of room (or a link that is
    /// down) found no room, any other refusal is an error. A caller with another way to send lists in
    /// <paramref name="resend"/>, up to its length, the frames that way may still carry: those refused with
    /// <paramref name="resendErrno"/> (a raw port's pending socket error, which the refusal has cleared) and
    /// those the kernel never took (io_uring_enter refused); they are left out of the result.
    /// </summary>
    public static TxResult Transmit(IoUring ring, int fd, PacketBatch batch, ReadOnlySpan<int> packets,
        Span<int> resend,
        int resendErrno, out int resendCount)
    {
        var tally = new TxTally();
        resendCount = 0;
        for (int start = 0; start < packets.Length; start += ring.Capacity)
        {
            int end = Math.Min(packets.Length, start + ring.Capacity);
            for (int i = start; i < end; i++)
                ring.QueueWrite(fd, VirtioNetHeader.Prepend(batch, packets[i]), VirtioNetHeader.Length
                    + batch.Length(packets[i]), (ulong)packets[i]);
            if (!ring.Submit())
            {
                // Refused by the kernel: counted like writes it refused, unless the caller can send them another way.
                for (int i = start; i < end; i++)
                {
                    if (resendCount < resend.Length) resend[resendCount++] = packets[i];
                    else tally.Refused();
                }
                continue;
            }
            while (ring.TryComplete(out ulong tag, out int result))
            {
                if (result >= 0) tally.Delivered(batch.Length((int)tag));
                else if (-result == resendErrno && resendCount < resend.Length) resend[resendCount++] = (int)tag;
                else if (!TransmitErrno.IsNoRoom(-result)) tally.Refused();
            }
        }
        return tally.Of(packets.Length - resendCount);
    }
}
