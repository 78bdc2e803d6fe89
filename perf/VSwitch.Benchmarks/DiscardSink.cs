using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Benchmarks;

/// <summary>A port that accepts every frame and sends nothing, so benchmarks measure the pipeline alone.</summary>
internal sealed class DiscardSink : IFrameSink
{
    public int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        errors = 0;
        frameBytes = packets.Length * 60L;
        return packets.Length;
    }
}
