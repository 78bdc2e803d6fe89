namespace VSwitch.Core.Observability;

/// <summary>
/// Lets one source's repeated messages (a port's peer connecting and being dropped again and again) through
/// at a bounded rate: a burst of <see cref="Burst"/>, then one per <see cref="Interval"/>. It counts what it
/// held back, so the next message that passes can say how many were left out. Called off the hot path (on
/// connections and faults), so one lock is cheap.
/// </summary>
public sealed class LogRateLimit(int burst = LogRateLimit.DefaultBurst, TimeSpan? interval = null)
{
    public const int DefaultBurst = 10;
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long? _refilledAt;
    private int _suppressed;

    public int Burst { get; } = burst;
    public TimeSpan Interval { get; } = interval ?? DefaultInterval;

    /// <summary>
    /// Whether a message may go out now; if so, <paramref name="suppressed"/> is how many were held back
    /// since the last one that went.
    /// </summary>
    public bool Allow(out int suppressed) => Allow(Environment.TickCount64, out suppressed);

    public bool Allow(long nowMs, out int suppressed)
    {
        lock (_lock)
        {
            long elapsed = Math.Max(0, nowMs - (_refilledAt ?? nowMs));
            _tokens = Math.Min(Burst, _tokens + elapsed / Interval.TotalMilliseconds);
            _refilledAt = nowMs;
            if (_tokens < 1)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }
            _tokens--;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
