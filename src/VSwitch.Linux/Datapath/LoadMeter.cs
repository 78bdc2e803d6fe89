using System.Diagnostics;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// Whether a worker's traffic is light or heavy, decided once per window by the frames it switched: heavy
/// traffic spreads over the cores (adopted ports go home) and polls less. One per worker; only it touches it.
/// </summary>
internal struct LoadMeter(TimeSpan window, int heavyFrames)
{
    private readonly long _window = (long)(window.TotalSeconds * Stopwatch.Frequency);
    private long _windowStart;
    private int _windowFrames;

    public bool Heavy { get; private set; }

    /// <summary>Counts a pass's frames; true when a window has just closed (and <see cref="Heavy"/> was decided
    /// anew).</summary>
    public bool Add(int frames, long now)
    {
        _windowFrames += frames;
        if (now - _windowStart < _window) return false;
        Heavy = _windowFrames >= heavyFrames;
        _windowFrames = 0;
        _windowStart = now;
        return true;
    }
}
