using System.Buffers;
using System.Buffers.Binary;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;

namespace VSwitch.Core.Tests;

public class StreamFramerTests
{
    private static byte[] Record(byte[] frame)
    {
        var record = new byte[4 + frame.Length];
        BinaryPrimitives.WriteInt32BigEndian(record, frame.Length);
        frame.CopyTo(record, 4);
        return record;
    }

    /// <summary>A sequence cut into 7-byte pieces, as reads of a socket may cut it anywhere.</summary>
    private static ReadOnlySequence<byte> Pieces(byte[] bytes)
    {
        var segments = bytes.Chunk(7).Select(c => new Piece(c)).ToList();
        for (int i = 1; i < segments.Count; i++) segments[i - 1].Link(segments[i]);
        return new ReadOnlySequence<byte>(segments[0], 0, segments[^1], segments[^1].Memory.Length);
    }

    private sealed class Piece : ReadOnlySequenceSegment<byte>
    {
        public Piece(byte[] data) => Memory = data;
        public void Link(Piece next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }

    [Fact]
    public void WholeFrames_GoIntoTheBatch_AndAPartialOneWaits()
    {
        var frames = Enumerable.Range(1, 3).Select(i => TestFrames.Ethernet(TestFrames.Mac(9), TestFrames.Mac(i),
            payload: 46 + i)).ToList();
        var stream = frames.SelectMany(Record).Concat(Record(frames[0]).Take(20)).ToArray();
        using var batch = new PacketBatch(8, 2048);

        var position = StreamFramer.Read(Pieces(stream), batch, out var fault, out _);

        Assert.Equal(StreamFramer.Fault.None, fault);
        Assert.Equal(3, batch.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(frames[i], batch.Frame(i).ToArray());
            Assert.Equal(default, batch.Offload(i));
        }
        Assert.Equal(stream.Length - 20, Pieces(stream).Slice(0, position).Length);
    }

    [Fact]
    public void AFullBatch_LeavesTheRestUnread()
    {
        var frame = TestFrames.Ethernet(TestFrames.Mac(9), TestFrames.Mac(1));
        var stream = Enumerable.Repeat(Record(frame), 5).SelectMany(r => r).ToArray();
        using var batch = new PacketBatch(2, 2048);
        var position = StreamFramer.Read(new ReadOnlySequence<byte>(stream), batch, out _, out _);
        Assert.Equal(2, batch.Count);
        Assert.Equal(2 * (4 + frame.Length), new ReadOnlySequence<byte>(stream).Slice(0, position).Length);
    }

    [Theory]
    [InlineData(0u, StreamFramer.Fault.EmptyFrame)]
    [InlineData(StreamFramer.MaxFrameLength + 1u, StreamFramer.Fault.FrameTooLong)]
    [InlineData(0xFFFF_FFFBu, StreamFramer.Fault.FrameTooLong)]
    [InlineData(0xFFFF_FFFFu, StreamFramer.Fault.FrameTooLong)]
    public void BadLength_IsAFault_ReadUnsigned(uint length, StreamFramer.Fault expected)
    {
        var good = Record(TestFrames.Ethernet(TestFrames.Mac(9), TestFrames.Mac(1)));
        var bad = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bad, length);
        using var batch = new PacketBatch(8, 2048);
        StreamFramer.Read(new ReadOnlySequence<byte>(good.Concat(bad).ToArray()), batch, out var fault, out uint seen);
        Assert.Equal(expected, fault);
        Assert.Equal(length, seen);
        Assert.Equal(1, batch.Count); // the frame before the fault still counts
    }
}
