using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A TAP's reads and writes through the worker's io_uring: a batch of frames is read, or written, with
/// one io_uring_enter instead of one read() or write() per frame. tun still handles each frame on its
/// own (a written frame runs the receiving stack inside the submission, as inside write()); what goes is
/// the system-call entry, exit and file lookup per frame (perf/README.md). Single frames stay with
/// read() and write() (TapPort): through the ring they cost ping about 10 µs of median round trip in
/// A/B runs, where a batch of one saves no system call.
/// </summary>
internal static unsafe class TapRingIo
{
    /// <summary>The read-ahead after a receive that found at most one frame: a port there uses read(), not the ring (TapPort.Receive).</summary>
    public const int MinReadAhead = 2;

    /// <summary>Fewest frames worth a ring submission; below it a TAP's port uses read() and write(), which cost less for one frame.</summary>
    public const int MinBatch = 2;

    /// <summary>Reads to queue after a receive that found <paramref name="count"/> frames.</summary>
    public static int ReadAheadAfter(int count) => Math.Max(MinReadAhead, 2 * count);

    /// <summary>
    /// Fills <paramref name="batch"/> from the TAP. A TAP cannot say how many frames wait, so the number
    /// of reads queued follows the last receive: twice what it found, so a flood fills the batch in one
    /// submission after a few; once a receive finds at most one frame the port goes back to read().
    /// </summary>
    public static int Receive(IoUring ring, int fd, PacketBatch batch, ref int readAhead)
    {
        int reads = Math.Min(Math.Min(readAhead, batch.Capacity), ring.Capacity);
        int room = batch.PacketRoom;
        for (int i = 0; i < reads; i++) ring.QueueRead(fd, batch.Slot(i) + PacketBatch.Headroom, room, (ulong)i);
        Span<int> lengths = stackalloc int[reads];
        lengths.Clear();
        ring.Submit(); // refused by the kernel: nothing completes, and the frames wait in the TAP for the next pass
        while (ring.TryComplete(out ulong tag, out int result)) lengths[(int)tag] = result;
        // In the order the reads were queued, which is the TAP's order. A read that found the TAP empty
        // (-EAGAIN) may be followed by one that found a frame arriving meanwhile: that frame moves down,
        // so the batch has no gap.
        int count = 0;
        for (int slot = 0; slot < reads; slot++)
        {
            int length = lengths[slot];
            if (length <= 0) continue;
            if (slot != count)
                Buffer.MemoryCopy(batch.Slot(slot) + PacketBatch.Headroom, batch.Slot(count) + PacketBatch.Headroom, room, length);
            batch.Set(count, PacketBatch.Headroom, length);
            count++;
        }
        readAhead = ReadAheadAfter(count);
        batch.Count = count;
        return count;
    }

    /// <summary>Writes the <paramref name="packets"/> of <paramref name="batch"/>, counting like write() does (TapPort.Transmit).</summary>
    public static int Transmit(IoUring ring, int fd, PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        int sent = 0;
        errors = 0;
        frameBytes = 0;
        for (int start = 0; start < packets.Length; start += ring.Capacity)
        {
            int end = Math.Min(packets.Length, start + ring.Capacity);
            for (int i = start; i < end; i++) ring.QueueWrite(fd, batch.Data(packets[i]), batch.Length(packets[i]), (ulong)packets[i]);
            if (!ring.Submit())
            {
                errors += end - start; // refused by the kernel: counted like writes it refused
                continue;
            }
            while (ring.TryComplete(out ulong tag, out int result))
            {
                if (result < 0)
                {
                    if (!TransmitErrno.IsNoRoom(-result)) errors++;
                    continue;
                }
                sent++;
                frameBytes += batch.Length((int)tag) - VirtioNetHeader.Length;
            }
        }
        return sent;
    }
}
