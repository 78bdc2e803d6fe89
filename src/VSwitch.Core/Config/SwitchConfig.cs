namespace VSwitch.Core.Config;

/// <summary>The persisted configuration: what a restart rebuilds. Written by the daemon after every change.</summary>
public sealed class SwitchConfig
{
    public List<BridgeConfig> Bridges { get; set; } = [];
    /// <summary>Microsoft.Extensions.Logging level name; the command line overrides it.</summary>
    public string? LogLevel { get; set; }
    /// <summary>Datapath worker threads; 0 means the default: one per core, one on a host of two cores or fewer
    /// (DatapathTuning.DefaultWorkers).</summary>
    public int Workers { get; set; }
    /// <summary>
    /// How long a worker keeps polling after its last frame before it sleeps in epoll_wait, in µs: a
    /// frame inside that window skips a thread wake-up, which on a VM costs tens of µs. The poll yields
    /// the core to any other runnable thread on it after every empty poll; an idle switch sleeps.
    /// 0 turns it off. The default, 20 ms, outlasts the gap between pings at 100/s; its price is a core
    /// kept busy (yielding) while frames come at least every 20 ms. After heavy traffic a worker polls
    /// at most 1 ms (DatapathTuning.HeavyBusyPoll). perf/README.md has the measurements.
    /// </summary>
    public int BusyPollMicroseconds { get; set; } = DefaultBusyPollMicroseconds;
    public const int DefaultBusyPollMicroseconds = 20_000;
    public const int MaxBusyPollMicroseconds = 100_000;
    public FdbConfig Fdb { get; set; } = new();
    /// <summary>Bonds made with addbond; bridges name them as their pif.</summary>
    public List<BondConfig> Bonds { get; set; } = [];
}
