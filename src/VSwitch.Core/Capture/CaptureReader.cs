namespace VSwitch.Core.Capture;

/// <summary>Drains a <see cref="CaptureSession"/>'s rings into a pcap stream, oldest frame first across
/// workers.</summary>
public sealed class CaptureReader(CaptureSession session)
{
    private readonly byte[] _header = new byte[PcapWriter.RecordHeaderSize];

    public long Written { get; private set; }

    public void WriteGlobalHeader(Stream output)
    {
        Span<byte> header = stackalloc byte[PcapWriter.GlobalHeaderSize];
        PcapWriter.WriteGlobalHeader(header, session.SnapLength);
        output.Write(header);
    }

    /// <summary>Writes what the rings hold now, up to <paramref name="limit"/> frames; returns how many.</summary>
    public int DrainTo(Stream output, long limit)
    {
        int written = 0;
        var rings = session.Rings;
        while (written < limit)
        {
            int oldest = -1;
            CapturedFrame best = default;
            for (int r = 0; r < rings.Count; r++)
            {
                if (rings[r].TryPeek(out var frame) && (oldest < 0 || frame.TimestampMicros < best.TimestampMicros))
                {
                    oldest = r;
                    best = frame;
                }
            }
            if (oldest < 0) break;
            PcapWriter.WriteRecordHeader(_header, best.TimestampMicros, best.Bytes.Length, best.OriginalLength);
            output.Write(_header);
            output.Write(best.Bytes.Span);
            rings[oldest].Consume(best);
            written++;
        }
        Written += written;
        return written;
    }
}
