using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Linux.Datapath;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A TAP's reads through the worker's io_uring: a batch of frames is read with one io_uring_enter instead of
/// one read() per frame (its writes go the same way, <see cref="RingWrites"/>): what goes is the system-call
/// entry, exit and file lookup per frame. Single frames stay with read() and write() (TapPort): through the
/// ring a batch of one saves no system call and cost ping round trip (perf/README.md, "Techniques").
/// </summary>
internal static unsafe class TapRingIo
{
    /// <summary>
    /// Fills <paramref name="batch"/> from the TAP with as many reads as <paramref name="readAhead"/> says
    /// (<see cref="DatapathTuning.ReadAheadAfter"/>); once a receive finds at most one frame the port goes
    /// back to read().
    /// </summary>
    public static int Receive(IoUring ring, int fd, PacketBatch batch, ref int readAhead)
    {
        int reads = Math.Min(Math.Min(readAhead, batch.Capacity), ring.Capacity);
        const int at = PacketBatch.Headroom - VirtioNetHeader.Length;
        for (int i = 0; i < reads; i++)
        {
            var area = batch.ReceiveArea(i, VirtioNetHeader.Length);
            fixed (byte* into = area) ring.QueueRead(fd, into, area.Length, (ulong)i);
        }
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
            if (length <= VirtioNetHeader.Length) continue;
            if (slot != count) Buffer.MemoryCopy(batch.Slot(slot) + at, batch.Slot(count) + at, batch.FrameRoom
                + VirtioNetHeader.Length, length);
            VirtioNetHeader.Received(batch, count, at, length);
            count++;
        }
        readAhead = DatapathTuning.ReadAheadAfter(count);
        batch.Count = count;
        return count;
    }
}
