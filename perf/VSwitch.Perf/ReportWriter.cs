using System.Globalization;
using System.Text;

namespace VSwitch.Perf;

/// <summary>The Markdown report: every figure as median (min–max) over the rounds, then the ratios and the issue's
/// targets.</summary>
public static class ReportWriter
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> Names = new()
    {
        ["vswitch-tap"] = "VSwitch, tap ports",
        ["vswitch-veth"] = "VSwitch, raw ports on veth",
        ["kernel-bridge"] = "Linux kernel bridge, veth",
        ["ovs-tap"] = "OVS userspace, tap + TSO",
        ["ovs-veth"] = "OVS userspace, veth (system ports)",
        ["tap-loop"] = "naive C TAP loop, no switch",
        [HostsAlone] = "veth pair, no switch",
    };

    /// <summary>The reference without any switch: the two hosts' interfaces are the ends of one veth pair.</summary>
    public const string HostsAlone = "veth-pair";

    public static string Name(string @switch) => Names.GetValueOrDefault(@switch, @switch);

    /// <summary>
    /// The 1- and 4-stream TCP figures of every pass, labelled "{prefix}1 stream" and so on, with the pass's
    /// name after a comma where the run has more than one pass; with <paramref name="plainFirstPass"/> the
    /// first pass's labels stay plain even then (its algorithm is named elsewhere, as in the ratios table).
    /// </summary>
    public static IEnumerable<(string Label, string Metric)> TcpFiguresByPass(ResultSet r, string prefix,
        bool plainFirstPass = false) =>
        r.TcpPasses.SelectMany(p =>
        {
            string suffix = (plainFirstPass ? p.Algorithm : p.Name) is { } name ? $", {name}" : "";
            return new[]
            {
                ($"{prefix}1 stream{suffix}", ResultSet.WithCongestion("tcp1_gbps", p.Algorithm)),
                ($"{prefix}4 streams{suffix}", ResultSet.WithCongestion("tcp4_gbps", p.Algorithm)),
            };
        });

    public static string Write(ResultSet r)
    {
        var md = new StringBuilder();
        md.AppendLine("# VSwitch against the kernel bridge, Open vSwitch and the naive TAP loop: one run, side by side").AppendLine();
        foreach (var key in new[] { "machine", "kernel", "tcp", "versions", "plan", "vswitchd", "date" })
            if (r.Machine.TryGetValue(key, out var value)) md.AppendLine($"- {key}: {value}");
        md.AppendLine("- every figure: median (min–max) over the rounds; the switches alternate within each round").AppendLine();

        var passes = r.TcpPasses;
        // With a second pass, the first pass's columns say which algorithm they are.
        string first = passes[0].Name is { } name ? $" ({name})" : "";
        Table(md, r, "Throughput and latency",
        [
            ($"TCP 1 stream{first}, Gbit/s", "tcp1_gbps", Gbps), ($"TCP 4 streams{first}, Gbit/s", "tcp4_gbps", Gbps),
            ("ping avg, µs", "ping_avg_us", Micro), ("ping p99, µs", "ping_p99_us", Micro),
            ("sockperf avg, µs", "sockperf_avg_us", Micro), ("sockperf p99, µs", "sockperf_p99_us", Micro),
        ]);
        foreach (var algorithm in r.OtherCongestionControls)
            Table(md, r, $"TCP with {algorithm} (iperf3 -C {algorithm}), the same rounds",
            [
                ("TCP 1 stream, Gbit/s", ResultSet.WithCongestion("tcp1_gbps", algorithm),
                    Gbps), ("TCP 4 streams, Gbit/s", ResultSet.WithCongestion("tcp4_gbps", algorithm), Gbps),
                ("switch CPU, TCP 1 stream, %", ResultSet.WithCongestion("cpu_switch_tcp1", algorithm), Percent),
                ("machine CPU, TCP 1 stream, %", ResultSet.WithCongestion("cpu_machine_tcp1", algorithm), Percent),
            ]);
        var notes = r.Switches.Where(s => passes.Any(p => r.Flag(s, ResultSet.WithCongestion("tcp1_needs_tx_off",
            p.Algorithm)) ||
                                                         r.Flag(s, ResultSet.WithCongestion("tcp4_needs_tx_off",
                                                             p.Algorithm)))).Select(Name).ToList();
        bool tcpMeasured = r.Switches.Any(s => r.Get(s, "tcp1_gbps") is not null || r.Get(s, "tcp4_gbps") is not null);
        if (tcpMeasured) md.AppendLine(notes.Count == 0
            ? "Every switch passed TCP with default offloads (no `ethtool -K … tx off`)."
            : $"Needed `ethtool -K … tx off` on the hosts to pass TCP at all: {string.Join(", ", notes)} (its TCP " +
                $"figure is with tx off).").AppendLine();
        var udpNotes = r.Switches.Where(s => r.Flag(s, "sockperf_needs_tx_off")).Select(Name).ToList();
        if (udpNotes.Count > 0)
            md.AppendLine($"Needed `ethtool -K … tx off` on the hosts to pass sockperf's UDP at all: " +
                $"{string.Join(", ", udpNotes)} (its sockperf figures are with tx off).").AppendLine();

        Table(md, r, "64-byte frames (trafgen on one core, h1 → h2)",
        [
            ("offered, pps", "pps_offered", Pps), ("received, pps", "pps_received", Pps), ("loss, %", "pps_loss_pct",
                Percent),
            ("zero-loss rate (RFC 2544), pps", "zero_loss_pps", Pps),
        ]);

        Table(md, r, "The switch's CPU (its process, % of one core; the kernel bridge runs in softirq and has none) " +
            "and the machine's (% of all cores)",
        [
            ("switch, TCP 1 stream", "cpu_switch_tcp1", Percent), ("machine, TCP 1 stream", "cpu_machine_tcp1",
                Percent),
            ("switch, 64-byte", "cpu_switch_pps", Percent), ("machine, 64-byte", "cpu_machine_pps", Percent),
        ]);

        Table(md, r,
            "MAC table scale, after RFC 2889 (64-byte frames from 1, 1,000 and 100,800 source MACs to one known host)",
        [
            ("received, 1 MAC", "pps_received_macs_1", Pps), ("received, 1k MACs", "pps_received_macs_1k", Pps),
            ("received, 100k MACs", "pps_received_macs_100k", Pps), ("learned of 100,800", "learned_of_100800", Count),
            ("learning rate, MACs/s", "learn_rate_macs_per_s",
                Pps), ("offered while learning (its zero-loss rate), pps", "learn_offered_pps", Pps),
        ]);

        Table(md, r, "Flood: broadcast 64-byte frames into an 8-port switch",
        [
            ("offered, pps", "flood_offered_pps", Pps), ("received, slowest port, pps", "flood_received_pps_min_port",
                Pps),
            ("received, all 7 ports, pps", "flood_received_pps_all_ports", Pps),
        ]);

        Ratios(md, r);
        AgainstTheHostsAlone(md, r);
        Targets(md, r);
        var plots = Plots.For(r);
        if (plots.Count > 0) md.AppendLine("Plots: " + string.Join(", ", plots.Select(p => $"`{p.File}` ({p.Shows})"))
            + ".");
        return md.ToString();
    }

    private static void Table(StringBuilder md, ResultSet r, string title, (string Header, string Metric, Func<double,
        string> Format)[] columns)
    {
        if (!r.Switches.Any(s => columns.Any(c => r.Get(s, c.Metric) is not null))) return;
        md.AppendLine($"## {title}").AppendLine();
        md.AppendLine("| switch | " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        md.AppendLine("|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var s in r.Switches)
            md.AppendLine($"| {Name(s)} | " + string.Join(" | ", columns.Select(c => Cell(r.Get(s, c.Metric),
                c.Format))) + " |");
        md.AppendLine();
    }

    public static string Cell(Summary? summary, Func<double, string> format) => summary switch
    {
        null => "—",
        { Count: 1 } s => format(s.Median),
        { } s => $"{format(s.Median)} ({format(s.Min)}–{format(s.Max)})",
    };

    private static void Ratios(StringBuilder md, ResultSet r)
    {
        (string Label, string Metric, bool LowerIsBetter)[] metrics =
        [
            // One pair of TCP rows per pass; the first pass's rows keep their plain labels.
            .. TcpFiguresByPass(r, "TCP ", plainFirstPass: true).Select(f => (f.Label, f.Metric, false)),
            ("64-byte received", "pps_received", false),
            ("zero-loss rate", "zero_loss_pps", false), ("ping avg", "ping_avg_us", true), ("sockperf avg",
                "sockperf_avg_us", true),
            ("100k-MAC forwarding", "pps_received_macs_100k", false), ("flood, slowest port",
                "flood_received_pps_min_port", false),
        ];
        (string A, string B)[] pairs =
        [
            ("vswitch-tap", "kernel-bridge"), ("vswitch-tap", "ovs-tap"), ("vswitch-veth",
                "kernel-bridge"), ("vswitch-veth", "ovs-veth"),
            ("vswitch-tap", "tap-loop"),
        ];
        var present = pairs.Where(p => r.Has(p.A) && r.Has(p.B)).ToArray();
        if (present.Length == 0) return;
        md.AppendLine("## Ratios (of medians)").AppendLine();
        md.AppendLine("Above 1 means VSwitch moved more, except for latency, where above 1 means VSwitch was slower.").AppendLine();
        md.AppendLine("| figure | " + string.Join(" | ", present.Select(p => $"{Name(p.A)} / {Name(p.B)}")) + " |");
        md.AppendLine("|---|" + string.Concat(present.Select(_ => "---|")));
        foreach (var (label, metric, lower) in metrics)
            md.AppendLine($"| {label}{(lower ? " (lower is better)" : "")} | " +
                          string.Join(" | ", present.Select(p => r.Ratio(p.A, p.B, metric) is { } x ? x.ToString("0.00",
                              C) : "—")) + " |");
        md.AppendLine();
    }

    /// <summary>
    /// Every switch's figures over the hosts' own through a bare veth pair in the same rounds, which puts
    /// the weather of a round and the endpoints' own limits beside the switches' ratios to each other. It
    /// is a reference, not a ceiling: with nothing between them, the receiving stack runs in the sender's
    /// softirq on the sender's CPU, and a switch that moves it to another core can go faster.
    /// </summary>
    private static void AgainstTheHostsAlone(StringBuilder md, ResultSet r)
    {
        if (!r.Has(HostsAlone)) return;
        (string Header, string Metric)[] columns =
        [
            .. TcpFiguresByPass(r, "TCP "),
            ("64-byte received", "pps_received"), ("ping avg (lower is better)", "ping_avg_us"),
        ];
        var switches = r.Switches.Where(s => s != HostsAlone).ToList();
        if (switches.Count == 0) return;
        md.AppendLine("## Against the hosts alone: two hosts on one veth pair, no switch, in the same rounds").AppendLine();
        md.AppendLine("Each switch's median over the veth pair's: 1 is what the two hosts' stacks reach with no " +
            "switch between them. Above 1 for throughput (below 1 for ping) means the switch did better than no " +
            "switch, which can happen: the pair runs both stacks on the sender's CPU.").AppendLine();
        md.AppendLine("| switch | " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        md.AppendLine("|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var s in switches)
            md.AppendLine($"| {Name(s)} | " + string.Join(" | ", columns.Select(c => r.Ratio(s, HostsAlone,
                c.Metric) is { } x ? x.ToString("0.00", C) : "—")) + " |");
        md.AppendLine();
    }

    private static void Targets(StringBuilder md, ResultSet r)
    {
        md.AppendLine("## Targets, in this run").AppendLine();
        md.AppendLine($"TCP is judged under the machine's default congestion control " +
            $"({r.CongestionControl ?? "the first pass's"})" +
                      (r.OtherCongestionControls.Count > 0
                          ? $"; {string.Join(", ", r.OtherCongestionControls)} is in the tables above, not judged"
                          : "") +
                      $". A target is judged on medians of at least {Target.MinimumRounds} rounds.").AppendLine();
        md.AppendLine("| target | ratio | |").AppendLine("|---|---|---|");
        foreach (var t in Target.All)
        {
            var (ratio, verdict) = t.Evaluate(r);
            string judged = verdict switch
            {
                Target.Verdict.NotMeasured => "—",
                _ when t.Stretch => "stretch goal, reported",
                Target.Verdict.TooFewRounds => $"not judged: fewer than {Target.MinimumRounds} rounds",
                Target.Verdict.Met => "met",
                _ => "**not met**",
            };
            string shown = ratio is { } x ? x.ToString("0.00", C) : "not measured";
            md.AppendLine($"| {t.Description} | {shown} | {judged} |");
        }
        md.AppendLine();
    }

    public static string Gbps(double v) => v.ToString("0.00", C);
    public static string Micro(double v) => v.ToString("0", C);
    public static string Percent(double v) => v.ToString(v < 10 ? "0.##" : "0", C);
    public static string Count(double v) => v.ToString("#,0", C);
    public static string Pps(double v) => v >= 10_000 ? (v / 1000).ToString("0", C) + "k" : v.ToString("0", C);
}
