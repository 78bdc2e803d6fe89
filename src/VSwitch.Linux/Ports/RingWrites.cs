using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A batch of frames written to a port through the worker's io_uring, one write per frame and one
/// io_uring_enter for them all: how a TAP (one frame per write()) transmits two frames or more, and a
/// raw port a batch that carries bulk data (a write on its bound AF_PACKET socket is a send). The
/// kernel still handles each frame on its own: a written frame runs the receiving stack inside the
/// submission, as inside write().
/// <para>
/// For a raw port the ring replaces sendmmsg for another reason than the system calls. sendmmsg calls
/// cond_resched() after every message, and each frame sent to a veth runs the receiving stack inside the
/// call, which wakes the receiving application: on a kernel that preempts only at such points
/// (preempt=none, as here, or voluntary) that application then runs after every frame, reads one
/// frame's worth and acknowledges it. io_uring writes the whole batch before the worker can be
/// rescheduled, as it does for a TAP, so the application reads the batch in one go. With one cubic
/// stream through raw ports on 2 cores, the receiver sent 0.4 ACKs per data frame instead of 0.6-0.8,
/// and the stream carried 1.1-1.3 x as much in three A/B series (perf/README.md); with BBR it carried
/// the same.
/// </para>
/// </summary>
internal static unsafe class RingWrites
{
    /// <summary>Fewest frames worth a ring submission; one frame goes by write() or sendmmsg, which cost less for one.</summary>
    public const int MinBatch = 2;

    /// <summary>
    /// Writes the <paramref name="packets"/> of <paramref name="batch"/> to <paramref name="fd"/>, counting
    /// like write() does: a frame refused for want of room (or a link that is down) is dropped, any other
    /// refusal is an error. A caller with another way to send lists in <paramref name="resend"/>, up to its
    /// length, the frames that way may still carry: those refused with <paramref name="resendErrno"/> (a
    /// raw port's pending socket error, which the refusal has cleared) and those the kernel never took
    /// (io_uring_enter refused).
    /// </summary>
    public static int Transmit(IoUring ring, int fd, PacketBatch batch, ReadOnlySpan<int> packets, Span<int> resend,
        int resendErrno, out int resendCount, out long frameBytes, out int errors)
    {
        int sent = 0;
        errors = 0;
        frameBytes = 0;
        resendCount = 0;
        for (int start = 0; start < packets.Length; start += ring.Capacity)
        {
            int end = Math.Min(packets.Length, start + ring.Capacity);
            for (int i = start; i < end; i++) ring.QueueWrite(fd, batch.Data(packets[i]), batch.Length(packets[i]), (ulong)packets[i]);
            if (!ring.Submit())
            {
                // Refused by the kernel: counted like writes it refused, unless the caller can send them another way.
                for (int i = start; i < end; i++)
                {
                    if (resendCount < resend.Length) resend[resendCount++] = packets[i];
                    else errors++;
                }
                continue;
            }
            while (ring.TryComplete(out ulong tag, out int result))
            {
                if (result < 0)
                {
                    if (-result == resendErrno && resendCount < resend.Length) resend[resendCount++] = (int)tag;
                    else if (!TransmitErrno.IsNoRoom(-result)) errors++;
                    continue;
                }
                sent++;
                frameBytes += batch.Length((int)tag) - VirtioNetHeader.Length;
            }
        }
        return sent;
    }
}
