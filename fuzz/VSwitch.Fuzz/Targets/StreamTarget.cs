using System.Buffers;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;

namespace VSwitch.Fuzz.Targets;

/// <summary>
/// A stream port's two directions: the byte stream a guest's QEMU sends, cut into frames wherever the
/// socket's reads happened to split it, and each frame sent back with the offload record the input's first
/// bytes give it (checksums and segmentation finished in software, the length prefixed).
/// </summary>
public sealed class StreamTarget : IFuzzTarget, IDisposable
{
    private readonly PacketBatch _batch = new(32, 16 * 1024);
    private readonly byte[] _output = new byte[256 * 1024];

    public string Name => "stream";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < VirtioNetHeader.Length + 2) return;
        var offload = VirtioNetHeader.Read(input);
        // Two cuts, as two reads of the socket might leave them.
        int first = input[VirtioNetHeader.Length], second = input[VirtioNetHeader.Length + 1];
        var stream = input[(VirtioNetHeader.Length + 2)..].ToArray();
        var sequence = Segments(stream, Math.Min(first, stream.Length), Math.Min(first + second, stream.Length));
        while (true)
        {
            _batch.Count = 0;
            var consumed = StreamFramer.Read(sequence, _batch, out var fault, out _);
            for (int i = 0; i < _batch.Count; i++)
                SoftwareOffload.WriteLengthPrefixed(_batch.Frame(i), offload, _output, out _, out _);
            sequence = sequence.Slice(consumed);
            if (fault != StreamFramer.Fault.None || _batch.Count < _batch.Capacity) break;
        }
    }

    /// <summary>The bytes as a sequence of up to three segments, cut at <paramref name="a"/> and
    /// <paramref name="b"/>.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, int a, int b)
    {
        var head = new Segment(bytes.AsMemory(0, a), 0);
        var middle = head.Append(bytes.AsMemory(a, b - a));
        var tail = middle.Append(bytes.AsMemory(b));
        return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    public void Dispose() => _batch.Dispose();
}
