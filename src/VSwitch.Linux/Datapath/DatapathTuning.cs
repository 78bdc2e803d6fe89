namespace VSwitch.Linux.Datapath;

/// <summary>
/// The datapath's policy, in one place: every threshold the workers and the ports decide by, with why.
/// vswitchd builds it from its options and the config (<see cref="Workers"/>, <see cref="BusyPoll"/>);
/// the rest are measured defaults (perf/README.md, "Techniques", has the A/B runs behind each).
/// </summary>
public sealed record DatapathTuning
{
    public static DatapathTuning Default { get; } = new();

    /// <summary>Worker threads; 0: <see cref="DefaultWorkers"/>.</summary>
    public int Workers { get; init; }

    /// <summary>Frames per receive batch: enough to share a system call among many, few enough to stay in
    /// cache.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Batches read from one port per wake-up before the next port's turn, so one busy port cannot starve the
    /// others.</summary>
    public int BatchesPerPortPerPass { get; init; } = 4;

    /// <summary>
    /// How long a worker keeps polling after its last frame before it sleeps in epoll_wait: a frame within
    /// it (the next segment, an ACK, a ping 10 ms later) skips a thread wake-up. 0 turns polling off.
    /// </summary>
    public TimeSpan BusyPoll { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The most a worker polls after heavy traffic: on 2 cores the endpoints' stacks need that core in its
    /// gaps.</summary>
    public TimeSpan HeavyBusyPoll { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How often a worker weighs its traffic as light or heavy.</summary>
    public TimeSpan LoadWindow { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Frames per load window from which a worker is heavy: 2,000 a second; pings and ARP stay far below, a
    /// TCP stream far above.</summary>
    public int HeavyFramesPerWindow { get; init; } = 20;

    /// <summary>A received batch this small is latency-bound traffic, whose reply is worth picking up at
    /// once.</summary>
    public int HandOffBatch { get; init; } = 2;

    /// <summary>Frames no larger than this carry no bulk data: a TCP ACK is 66 bytes, a ping 98, a 64-byte test frame
    /// 60.</summary>
    public int SmallFrameBytes { get; init; } = 190;

    /// <summary>Fewest frames worth an io_uring submission: one frame goes cheaper by write() or sendmmsg.</summary>
    public int RingMinBatch { get; init; } = 2;

    /// <summary>
    /// Frames a TAP queues for the switch (its txqueuelen; tun's default is 500): at 200k frames/s, 500 last
    /// 2.5 ms, less than a reader sharing 2 busy cores is sometimes away.
    /// </summary>
    public int TapQueueLength { get; init; } = 4000;

    /// <summary>A TAP read through the ring needs at least this many reads queued; below, read() costs less.</summary>
    public const int MinReadAhead = 2;

    /// <summary>
    /// TAP reads to queue on the ring after a receive found <paramref name="frames"/>: a TAP cannot say how
    /// many wait, so twice the last count, which fills a batch in a few submissions under a flood.
    /// </summary>
    public static int ReadAheadAfter(int frames) => Math.Max(MinReadAhead, 2 * frames);

    /// <summary>
    /// Workers when none are asked for: one per core, but one in all on a host of two cores or fewer, where
    /// what a second worker polls away is CPU time the guests' stacks need (perf/README.md, "Workers").
    /// </summary>
    public static int DefaultWorkers(int cores) => cores <= 2 ? 1 : cores;

    /// <summary>The workers this tuning runs on a host of <paramref name="cores"/> cores.</summary>
    public int WorkersFor(int cores) => Workers > 0 ? Workers : DefaultWorkers(cores);
}
