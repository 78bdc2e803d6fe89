using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The transmit side of a port, as the datapath sees it. Called from any worker thread, possibly
/// several at once, so an implementation must be safe for concurrent calls without taking a lock
/// (one system call per batch on a file descriptor is).
/// </summary>
public interface IFrameSink
{
    /// <summary>
    /// Sends the packets of <paramref name="batch"/> listed in <paramref name="packets"/>, each a
    /// virtio-net header followed by a frame. Returns how many were sent and, in
    /// <paramref name="frameBytes"/>, their frame bytes (headers excluded). Of the others,
    /// <paramref name="errors"/> were refused by the kernel; the rest found no room or no link.
    /// </summary>
    int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors);
}
