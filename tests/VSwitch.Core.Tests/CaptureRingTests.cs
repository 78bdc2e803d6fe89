using VSwitch.Core.Capture;

namespace VSwitch.Core.Tests;

public class CaptureRingTests
{
    private static byte[] Frame(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();

    [Fact]
    public void FramesComeOutInOrder_AcrossManyWraps_WithTheirLengthsAndTimes()
    {
        var ring = new CaptureRing(4096);
        int next = 0;
        for (int round = 0; round < 200; round++)
        {
            // Odd sizes so records straddle the end of the buffer in every position.
            for (int i = 0; i < 3; i++) ring.Write(Frame(100 + (round * 3 + i) % 250, (byte)(round * 3 + i)), 1000
                + round, round * 10L + i);
            for (int i = 0; i < 3; i++, next++)
            {
                Assert.True(ring.TryPeek(out var frame));
                Assert.Equal(100 + next % 250, frame.Bytes.Length);
                Assert.All(frame.Bytes.ToArray(), b => Assert.Equal((byte)next, b));
                Assert.Equal(1000 + round, frame.OriginalLength);
                Assert.Equal(round * 10L + i, frame.TimestampMicros);
                ring.Consume(frame);
            }
        }
        Assert.False(ring.TryPeek(out _));
        Assert.Equal(0, ring.Dropped);
    }

    [Fact]
    public void AFullRing_DropsAndCounts_InsteadOfOverwritingUnreadFrames()
    {
        var ring = new CaptureRing(4096);
        int written = 0;
        for (int i = 0; i < 100; i++) ring.Write(Frame(200, (byte)i), 200, i);
        while (ring.TryPeek(out var frame))
        {
            Assert.Equal((byte)written, frame.Bytes.Span[0]);
            ring.Consume(frame);
            written++;
        }
        Assert.True(written is > 0 and < 100);
        Assert.Equal(100 - written, ring.Dropped);
    }

    [Fact]
    public void Reader_MergesWorkerRingsByTime_AndWritesPcap()
    {
        var session = new CaptureSession("vif1.0", workers: 2, snapLength: 64);
        session.Record(1, Frame(60, 2), 20);
        session.Record(0, Frame(60, 1), 10);
        session.Record(0, Frame(100, 3), 30); // longer than the snap length: cut, original length kept
        using var output = new MemoryStream();
        var reader = new CaptureReader(session);
        reader.WriteGlobalHeader(output);
        Assert.Equal(3, reader.DrainTo(output, 10));

        var bytes = output.ToArray();
        Assert.Equal(PcapWriter.GlobalHeaderSize + 3 * PcapWriter.RecordHeaderSize + 60 + 60 + 64, bytes.Length);
        Assert.Equal(64, BitConverter.ToInt32(bytes, 16)); // snaplen
        int at = PcapWriter.GlobalHeaderSize;
        foreach (var (fill, captured, original) in new[] { (1, 60, 60), (2, 60, 60), (3, 64, 100) })
        {
            Assert.Equal(captured, BitConverter.ToInt32(bytes, at + 8));
            Assert.Equal(original, BitConverter.ToInt32(bytes, at + 12));
            Assert.Equal(fill, bytes[at + 16]);
            at += PcapWriter.RecordHeaderSize + captured;
        }
    }
}
