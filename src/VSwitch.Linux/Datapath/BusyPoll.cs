using System.Diagnostics;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// When a worker polls and when it sleeps: it keeps polling for a while after its last frame, so the next
/// frame (the next segment, an ACK, a reply) is taken without the wake-up a sleeping thread pays; once the
/// budget has passed with nothing to do it sleeps in epoll_wait and gives its core away. After heavy traffic
/// the budget is shorter (<see cref="DatapathTuning.HeavyBusyPoll"/>). One per worker; only it touches it.
/// </summary>
internal struct BusyPoll(TimeSpan budget, TimeSpan heavyBudget)
{
    private readonly long _budget = (long)(budget.TotalSeconds * Stopwatch.Frequency);
    private readonly long _heavyBudget = (long)(Math.Min(budget.TotalSeconds,
        heavyBudget.TotalSeconds) * Stopwatch.Frequency);
    private long _lastFrames;

    /// <summary>Whether to poll now (true) or sleep until a port is ready.</summary>
    public readonly bool Polling(long now, bool heavy) => now - _lastFrames < (heavy ? _heavyBudget : _budget);

    public void Frames(int frames, long now)
    {
        if (frames > 0) _lastFrames = now;
    }
}
