namespace VSwitch.Perf;

/// <summary>
/// One goal of the performance issue: a ratio between two switches' medians, and its bound. A
/// <paramref name="Strict"/> bound must be passed, not reached ("beat it, not match it").
/// </summary>
public sealed record Target(string Description, string Switch, string Against, string Metric, double Bound, bool AtMost, bool Strict = false)
{
    /// <summary>The goals as the performance issue states them, all measured in the same run.</summary>
    public static IReadOnlyList<Target> FromIssue { get; } =
    [
        new("TCP 1 stream ≥ 1.2 × OVS tap+TSO", "vswitch-tap", "ovs-tap", "tcp1_gbps", 1.2, false),
        new("TCP 1 stream ≥ 0.9 × kernel bridge", "vswitch-tap", "kernel-bridge", "tcp1_gbps", 0.9, false),
        new("TCP 4 streams ≥ 0.6 × kernel bridge", "vswitch-tap", "kernel-bridge", "tcp4_gbps", 0.6, false),
        new("64-byte frames received ≥ 1.3 × OVS (tap)", "vswitch-tap", "ovs-tap", "pps_received", 1.3, false),
        new("64-byte frames received ≥ 1.3 × OVS (veth)", "vswitch-veth", "ovs-veth", "pps_received", 1.3, false),
        new("ping avg ≤ 1.5 × kernel bridge", "vswitch-tap", "kernel-bridge", "ping_avg_us", 1.5, true),
        new("raw (veth) ports within 20 % of tap ports: TCP 1 stream", "vswitch-veth", "vswitch-tap", "tcp1_gbps", 0.8, false),
        new("raw (veth) ports within 20 % of tap ports: 64-byte frames", "vswitch-veth", "vswitch-tap", "pps_received", 0.8, false),
        // The issue's "ceiling of the naive approach, which VSwitch is to beat, not match": its two figures.
        new("TCP 1 stream > 1 × the naive C loop between two TAPs", "vswitch-tap", "tap-loop", "tcp1_gbps", 1.0, false, Strict: true),
        new("64-byte frames received > 1 × the naive C loop between two TAPs", "vswitch-tap", "tap-loop", "pps_received", 1.0, false, Strict: true),
    ];

    /// <summary>
    /// The issue's targets for one run: the TCP ones once more for each congestion control TCP was also
    /// measured with (<see cref="ResultSet.OtherCongestionControls"/>), each right after its first-pass twin.
    /// </summary>
    public static IReadOnlyList<Target> For(ResultSet results)
    {
        var others = results.OtherCongestionControls;
        return FromIssue.SelectMany(t => t.Metric.StartsWith("tcp", StringComparison.Ordinal)
                ? [t, .. others.Select(a => t with { Description = $"{t.Description}, with {a}", Metric = ResultSet.WithCongestion(t.Metric, a) })]
                : new[] { t })
            .ToList();
    }

    /// <summary>The measured ratio, and whether it meets the bound; null ratio when not measured.</summary>
    public (double? Ratio, bool Met) Evaluate(ResultSet results)
    {
        double? ratio = results.Ratio(Switch, Against, Metric);
        return (ratio, ratio is { } r && (AtMost ? (Strict ? r < Bound : r <= Bound) : (Strict ? r > Bound : r >= Bound)));
    }
}
