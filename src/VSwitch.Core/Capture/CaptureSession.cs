using VSwitch.Core.Control;

namespace VSwitch.Core.Capture;

/// <summary>
/// A live capture on one port: a ring per worker, so each worker writes without contention. The
/// datapath records every frame the port receives and every frame the switch hands it to send.
/// </summary>
public sealed class CaptureSession
{
    public const int DefaultSnapLength = 65535;
    private const int RingBytes = 8 << 20;

    private readonly CaptureRing[] _rings;

    public CaptureSession(string port, int workers, int snapLength = DefaultSnapLength)
    {
        Port = port;
        _rings = new CaptureRing[Math.Max(workers, 1)];
        for (int i = 0; i < _rings.Length; i++) _rings[i] = new CaptureRing(RingBytes);
        SnapLength = Math.Min(snapLength, _rings[0].MaxRecordBytes);
    }

    public string Port { get; }
    public int SnapLength { get; }
    public IReadOnlyList<CaptureRing> Rings => _rings;

    /// <summary>Set when the port goes away (delif, delbr): nothing more will be written.</summary>
    public bool Ended => Volatile.Read(ref _ended);
    private bool _ended;

    public void End() => Volatile.Write(ref _ended, true);

    /// <summary>Frames lost because the reader fell behind.</summary>
    public long Dropped => _rings.Sum(r => r.Dropped);

    /// <summary>Called by worker <paramref name="worker"/> for one frame (Ethernet header onwards).</summary>
    public void Record(int worker, ReadOnlySpan<byte> frame, long timestampMicros)
    {
        var part = frame.Length > SnapLength ? frame[..SnapLength] : frame;
        _rings[worker].Write(part, frame.Length, timestampMicros);
    }

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
