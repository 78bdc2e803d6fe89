using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A TAP's reads through the worker's io_uring: a batch of frames is read with one io_uring_enter
/// instead of one read() per frame (its writes go the same way, <see cref="RingWrites"/>). What goes is
/// the system-call entry, exit and file lookup per frame (perf/README.md). Single frames stay with
/// read() and write() (TapPort): through the ring they cost ping about 10 µs of median round trip in
/// A/B runs, where a batch of one saves no system call.
/// </summary>
internal static unsafe class TapRingIo
{
    /// <summary>The read-ahead after a receive that found at most one frame: a port there uses read(), not the ring (TapPort.Receive).</summary>
    public const int MinReadAhead = 2;

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
}
