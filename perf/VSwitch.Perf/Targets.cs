namespace VSwitch.Perf;

/// <summary>
/// One goal: a ratio between two switches' medians, and its bound. The judging rule (issue 33): TCP under
/// the machine's default congestion control (a run's first TCP pass), and a target counts as met when the
/// medians of at least <see cref="MinimumRounds"/> rounds of one run meet it. A <paramref name="Stretch"/>
/// goal is reported each run, never passed or failed: the kernel bridge copies nothing and is a reference.
/// </summary>
public sealed record Target(string Description, string Switch, string Against, string Metric, double Bound, bool AtMost,
    bool Stretch = false)
{
    public const int MinimumRounds = 3;

    /// <summary>The goals, all measured in the same run.</summary>
    public static IReadOnlyList<Target> All { get; } =
    [
        new("TCP 1 stream ≥ 1.2 × OVS tap+TSO", "vswitch-tap", "ovs-tap", "tcp1_gbps", 1.2, false),
        new("TCP 4 streams ≥ 1.2 × OVS tap+TSO", "vswitch-tap", "ovs-tap", "tcp4_gbps", 1.2, false),
        new("64-byte frames received ≥ 1.3 × OVS tap+TSO", "vswitch-tap", "ovs-tap", "pps_received", 1.3, false),
        new("TCP 1 stream ≥ 1 × the naive C TAP loop", "vswitch-tap", "tap-loop", "tcp1_gbps", 1.0, false),
        new("TCP 4 streams ≥ 1 × the naive C TAP loop", "vswitch-tap", "tap-loop", "tcp4_gbps", 1.0, false),
        new("64-byte frames received ≥ 1 × the naive C TAP loop", "vswitch-tap", "tap-loop", "pps_received", 1.0,
            false),
        new("ping avg ≤ 1.5 × kernel bridge", "vswitch-tap", "kernel-bridge", "ping_avg_us", 1.5, true),
        new("sparse ping (1/s) median ≤ 1.2 × the naive C TAP loop, tap ports", "vswitch-tap", "tap-loop",
            "sparse_ping_median_us", 1.2, true),
        new("sparse ping (1/s) median ≤ 1.2 × the naive C TAP loop, raw ports", "vswitch-veth", "tap-loop",
            "sparse_ping_median_us", 1.2, true),
        new("TCP 1 stream ≥ 0.9 × kernel bridge", "vswitch-tap", "kernel-bridge", "tcp1_gbps", 0.9, false,
            Stretch: true),
    ];

    /// <summary>What the report can say of a target in one run.</summary>
    public enum Verdict { NotMeasured, TooFewRounds, Met, NotMet }

    /// <summary>The measured ratio, and the verdict: judged only on medians of enough rounds.</summary>
    public (double? Ratio, Verdict Verdict) Evaluate(ResultSet results)
    {
        double? ratio = results.Ratio(Switch, Against, Metric);
        if (ratio is not { } r) return (null, Verdict.NotMeasured);
        int rounds = Math.Min(results.Get(Switch, Metric)!.Value.Count, results.Get(Against, Metric)!.Value.Count);
        if (rounds < MinimumRounds) return (r, Verdict.TooFewRounds);
        return (r, (AtMost ? r <= Bound : r >= Bound) ? Verdict.Met : Verdict.NotMet);
    }
}
