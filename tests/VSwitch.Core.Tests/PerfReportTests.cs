using VSwitch.Perf;

namespace VSwitch.Core.Tests;

/// <summary>The perf harness's report: what it reads, how it summarises, and how it judges the targets.</summary>
public class PerfReportTests
{
    [Fact]
    public void Summary_MedianOfOddAndEvenCounts_AndTheRange()
    {
        Assert.Equal(new Summary(2, 1, 9, 3), Summary.Of([9, 1, 2]));
        Assert.Equal(new Summary(2.5, 1, 4, 4), Summary.Of([4, 1, 3, 2]));
        Assert.Null(Summary.Of([]));
    }

    [Fact]
    public void Raw_SkipsHeaderAndEmptyValues_KeepsSwitchOrder()
    {
        var r = new ResultSet();
        r.AddRaw(["round\tswitch\tmetric\tvalue", "1\tvswitch-tap\ttcp1_gbps\t14.0", "1\tkernel-bridge\ttcp1_gbps\t",
            "2\tvswitch-tap\ttcp1_gbps\t16"]);
        Assert.Equal(["vswitch-tap"], r.Switches);
        Assert.Equal(15, r.Get("vswitch-tap", "tcp1_gbps")!.Value.Median);
        Assert.Null(r.Get("kernel-bridge", "tcp1_gbps"));
    }

    [Theory]
    [InlineData("1\tvswitch-tap\tpps_offered\t-nan", "'-nan' is not a number")]
    [InlineData("1\tvswitch-tap\tpps_offered", "expected 4 tab-separated fields")]
    public void Raw_RefusesMalformedLines_NamingTheLine(string line, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new ResultSet().AddRaw(["round\tswitch\tmetric\tvalue", line]));
        Assert.Contains("raw.tsv:2", e.Message);
        Assert.Contains(message, e.Message);
    }

    /// <summary>A figure measured in <paramref name="rounds"/> rounds, each giving <paramref name="value"/>.</summary>
    private static void Rounds(ResultSet r, string @switch, string metric, double value, int rounds = 3)
    {
        for (int i = 0; i < rounds; i++) r.Add(@switch, metric, value);
    }

    [Fact]
    public void Targets_ThroughputIsAtLeast_LatencyIsAtMost_JudgedOnThreeRoundsOrMore()
    {
        var r = new ResultSet();
        Rounds(r, "vswitch-tap", "tcp1_gbps", 15); Rounds(r, "ovs-tap", "tcp1_gbps", 12);
        Rounds(r, "vswitch-tap", "ping_avg_us", 90); Rounds(r, "kernel-bridge", "ping_avg_us", 50);
        var tcp = Target.All.Single(t => t.Metric == "tcp1_gbps" && t.Against == "ovs-tap").Evaluate(r);
        Assert.Equal(15.0 / 12, tcp.Ratio!.Value, 6);
        Assert.Equal(Target.Verdict.Met, tcp.Verdict);
        var ping = Target.All.Single(t => t.Metric == "ping_avg_us").Evaluate(r);
        Assert.Equal(1.8, ping.Ratio!.Value, 6);
        Assert.Equal(Target.Verdict.NotMet, ping.Verdict);
        var missing = Target.All.Single(t => t.Against == "ovs-tap" && t.Metric == "tcp4_gbps").Evaluate(r);
        Assert.Null(missing.Ratio);
        Assert.Equal(Target.Verdict.NotMeasured, missing.Verdict);

        // Two rounds are inside the run-to-run swing: neither a pass nor a fail.
        var two = new ResultSet();
        Rounds(two, "vswitch-tap", "tcp1_gbps", 15, rounds: 2); Rounds(two, "ovs-tap", "tcp1_gbps", 12);
        Assert.Equal(Target.Verdict.TooFewRounds, Target.All.Single(t => t.Metric == "tcp1_gbps"
            && t.Against == "ovs-tap").Evaluate(two).Verdict);
        Assert.Contains("| TCP 1 stream ≥ 1.2 × OVS tap+TSO | 1.25 | not judged: fewer than 3 rounds |",
            ReportWriter.Write(two));
    }

    [Theory]
    [InlineData(10.0, true)] // the naive loop is matched: ≥ 1 ×
    [InlineData(9.5, false)]
    public void Targets_TheNaiveTapLoop_IsMatchedOrBeaten(double vswitchGbps, bool met)
    {
        var r = new ResultSet();
        Rounds(r, "vswitch-tap", "tcp1_gbps", vswitchGbps); Rounds(r, "tap-loop", "tcp1_gbps", 10);
        var loop = Target.All.Single(t => t.Against == "tap-loop" && t.Metric == "tcp1_gbps").Evaluate(r);
        Assert.Equal(vswitchGbps / 10, loop.Ratio!.Value, 6);
        Assert.Equal(met ? Target.Verdict.Met : Target.Verdict.NotMet, loop.Verdict);
    }

    [Fact]
    public void Targets_TheKernelBridge_IsAStretchGoal_ReportedButNeverFailed()
    {
        var r = new ResultSet();
        Rounds(r, "vswitch-tap", "tcp1_gbps", 8); Rounds(r, "kernel-bridge", "tcp1_gbps", 16);
        Assert.True(Target.All.Single(t => t.Against == "kernel-bridge" && t.Metric == "tcp1_gbps").Stretch);
        Assert.Contains("| TCP 1 stream ≥ 0.9 × kernel bridge | 0.50 | stretch goal, reported |",
            ReportWriter.Write(r));
    }

    [Fact]
    public void Report_StatesTheMachine_IncludingTheCongestionControlThatBindsTcp_AndVSwitchsWorkers()
    {
        var r = new ResultSet();
        r.Add("vswitch-tap", "tcp1_gbps", 14);
        r.Machine["machine"] = "2 cores";
        r.Machine["tcp"] = "congestion control bbr (allowed in namespaces: reno bbr)";
        r.Machine["vswitchd"] = "workers 1 (its default on 2 cores)";
        r.Machine["unknown"] = "not shown";
        string md = ReportWriter.Write(r);
        Assert.Contains("- machine: 2 cores\n- tcp: congestion control bbr (allowed in namespaces: reno bbr)\n- " +
            "vswitchd: workers 1 (its default on 2 cores)\n",
            md.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("not shown", md);
    }

    [Fact]
    public void Report_SaysWhichSwitchNeededTxOff_AndWhatWasNotMeasured()
    {
        var r = new ResultSet();
        r.Add("vswitch-tap", "tcp1_gbps", 14);
        r.Add("ovs-veth", "tcp1_gbps", 1.1);
        r.Add("ovs-veth", "tcp1_needs_tx_off", 1);
        string md = ReportWriter.Write(r);
        Assert.Contains(
            "Needed `ethtool -K … tx off` on the hosts to pass TCP at all: OVS userspace, veth (system ports)", md);
        Assert.DoesNotContain("sockperf's UDP", md);
        // A run without TCP says nothing about TCP's offloads.
        var udpOnly = new ResultSet();
        udpOnly.Add("vswitch-veth", "sockperf_avg_us", 55);
        Assert.DoesNotContain("passed TCP", ReportWriter.Write(udpOnly));
        r.Add("ovs-veth", "sockperf_avg_us", 324);
        r.Add("ovs-veth", "sockperf_needs_tx_off", 1);
        Assert.Contains("Needed `ethtool -K … tx off` on the hosts to pass sockperf's UDP at all: OVS userspace, veth " +
            "(system ports) (its sockperf figures are with tx off).", ReportWriter.Write(r));
        Assert.Contains("| TCP 1 stream ≥ 1.2 × OVS tap+TSO | not measured | — |", md);
    }

    [Fact]
    public void Report_ASecondCongestionControl_GetsItsOwnTable_Ratios_AndTcpTargets()
    {
        var r = new ResultSet();
        r.Machine["tcp"] = "congestion control bbr, the machine's default (allowed in namespaces: reno bbr); TCP also " +
            "with cubic (iperf3 -C cubic)";
        r.Add("vswitch-tap", "tcp1_gbps", 9); r.Add("kernel-bridge", "tcp1_gbps", 9);
        r.Add("vswitch-tap", "tcp1_gbps_cubic", 12); r.Add("kernel-bridge", "tcp1_gbps_cubic", 20);
        r.Add("vswitch-tap", "tcp4_gbps_cubic", 11); r.Add("kernel-bridge", "tcp4_gbps_cubic", 20);
        r.Add("ovs-veth", "tcp1_gbps_cubic", 0.7); r.Add("ovs-veth", "tcp1_needs_tx_off_cubic", 1);
        Assert.Equal(["cubic"], r.OtherCongestionControls);
        Assert.Equal("bbr", r.CongestionControl);

        string md = ReportWriter.Write(r).ReplaceLineEndings("\n");
        Assert.Contains("| switch | TCP 1 stream (bbr), Gbit/s | TCP 4 streams (bbr), Gbit/s |", md);
        Assert.Contains("## TCP with cubic (iperf3 -C cubic), the same rounds", md);
        Assert.Contains("| VSwitch, tap ports | 12.00 | 11.00 |", md);
        Assert.Contains("| TCP 1 stream, cubic | 0.60 |", md);
        Assert.Contains(
            "Needed `ethtool -K … tx off` on the hosts to pass TCP at all: OVS userspace, veth (system ports)", md);
        // TCP is judged under the machine's default (bbr); cubic's figures are information.
        Assert.Contains("TCP is judged under the machine's default congestion control (bbr); cubic is in the tables " +
            "above, not judged.", md);
        Assert.DoesNotContain("with cubic |", md[md.IndexOf("## Targets", StringComparison.Ordinal)..]);

        // A run with one pass keeps its plain headings and the targets as they are.
        var one = new ResultSet();
        one.Machine["tcp"] = "congestion control bbr, the machine's default";
        one.Add("vswitch-tap", "tcp1_gbps", 9);
        Assert.Empty(one.OtherCongestionControls);
        Assert.Contains("| switch | TCP 1 stream, Gbit/s |", ReportWriter.Write(one));
    }

    [Fact]
    public void Report_TheHostsAlone_SetEverySwitchAgainstTheVethPair_WithoutBecomingATarget()
    {
        var r = new ResultSet();
        r.Machine["tcp"] = "congestion control bbr, the machine's default; TCP also with cubic (iperf3 -C cubic)";
        r.Add("vswitch-tap", "tcp1_gbps", 8); r.Add("kernel-bridge", "tcp1_gbps", 7.5); r.Add("veth-pair", "tcp1_gbps",
            10);
        r.Add("vswitch-tap", "tcp1_gbps_cubic", 12); r.Add("veth-pair", "tcp1_gbps_cubic", 24);
        r.Add("vswitch-tap", "ping_avg_us", 100); r.Add("kernel-bridge", "ping_avg_us", 70); r.Add("veth-pair",
            "ping_avg_us", 50);

        string md = ReportWriter.Write(r).ReplaceLineEndings("\n");
        Assert.Contains("## Against the hosts alone: two hosts on one veth pair, no switch, in the same rounds", md);
        Assert.Contains("| switch | TCP 1 stream, bbr | TCP 4 streams, bbr | TCP 1 stream, cubic | TCP 4 streams, " +
            "cubic | 64-byte received | ping avg (lower is better) |", md);
        Assert.Contains("| VSwitch, tap ports | 0.80 | — | 0.50 | — | — | 2.00 |", md);
        Assert.Contains("| Linux kernel bridge, veth | 0.75 | — | — | — | — | 1.40 |", md);
        // The pair is the reference of that table, not a row of it; its own figures stay in the first table.
        Assert.DoesNotContain("| veth pair, no switch | 1.00", md);
        Assert.Contains("| veth pair, no switch | 10.00 |", md);
        Assert.DoesNotContain("veth pair", md[md.IndexOf("## Targets", StringComparison.Ordinal)..]);

        var without = new ResultSet();
        without.Add("vswitch-tap", "tcp1_gbps", 8); without.Add("kernel-bridge", "tcp1_gbps", 7.5);
        Assert.DoesNotContain("Against the hosts alone", ReportWriter.Write(without));
    }

    [Fact]
    public void Plots_OnlyWhatTheRunMeasured_AndTheReportNamesThoseOnly()
    {
        var r = new ResultSet();
        r.Add("vswitch-tap", "tcp1_gbps", 14); r.Add("kernel-bridge", "tcp1_gbps", 20);
        string dir = Directory.CreateTempSubdirectory("vsperf-plots-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "frames.png"), "left by an earlier report of the same run");
            Plots.Write(r, dir);
            Assert.Equal(["throughput.png"], Directory.GetFiles(dir).Select(f
                => Path.GetFileName(f)).Order().ToArray());
            Assert.True(new FileInfo(Path.Combine(dir, "throughput.png")).Length > 1000);
            Assert.Contains("Plots: `throughput.png` (TCP per switch).", ReportWriter.Write(r));

            r.Add("vswitch-tap", "pps_received", 150_000);
            r.Add("vswitch-tap", "ping_avg_us", 90);
            Assert.Contains("Plots: `throughput.png` (TCP per switch), `frames.png` (64-byte rates), `latency.png` " +
                "(round trips).",
                ReportWriter.Write(r));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheRecord_KeepsEachRunsRounds_WithTheirCongestionControl_AndAVariantUnderItsOwnName()
    {
        string dir = Directory.CreateTempSubdirectory("vsperf-record-").FullName;
        try
        {
            string record = Path.Combine(dir, "results.tsv");
            string Run(string name, string date, string plan, params string[] raw)
            {
                string run = Path.Combine(dir, name);
                Directory.CreateDirectory(run);
                File.WriteAllLines(Path.Combine(run, "raw.tsv"), ["round\tswitch\tmetric\tvalue", .. raw]);
                File.WriteAllLines(Path.Combine(run, "machine.tsv"),
                [
                    "machine\t2 cores, AMD EPYC, 23 GiB", "kernel\t6.18.44",
                    "tcp\tcongestion control bbr, the machine's default (allowed in namespaces: reno bbr); TCP also " +
                        "with cubic (iperf3 -C cubic)",
                    "versions\tiperf 3.12; vswitch 2e88714", $"plan\t{plan}", $"date\t{date}",
                ]);
                return run;
            }
            ResultsRecord.Append(record, Run("a", "2026-11-27T07:46Z", "4 rounds",
                "1\tvswitch-tap\ttcp1_gbps\t12", "2\tvswitch-tap\ttcp1_gbps\t14", "1\tvswitch-tap\ttcp1_gbps_cubic\t21",
                "1\tvswitch-tap\tping_avg_us\t66", "1\tkernel-bridge\ttcp1_gbps\t15"));
            ResultsRecord.Append(record, Run("b", "2026-11-28T09:00Z", "1 rounds; vswitchd options: --workers 1",
                "1\tvswitch-tap\ttcp1_gbps\t11", "1\tkernel-bridge\ttcp1_gbps\t16"));

            var lines = File.ReadAllLines(record);
            Assert.Equal(ResultsRecord.Header, lines[0]);
            Assert.Contains("2026-11-27T07:46Z\t2e88714\t2 cores, AMD EPYC, 23 GiB, kernel 6.18.44, tcp default " +
                "bbr\tvswitch-tap\ttcp1_gbps\t21\tcubic", lines);
            Assert.Contains("2026-11-27T07:46Z\t2e88714\t2 cores, AMD EPYC, 23 GiB, kernel 6.18.44, tcp default " +
                "bbr\tvswitch-tap\tping_avg_us\t66\t-", lines);
            Assert.Equal(["2026-11-27T07:46Z", "2026-11-28T09:00Z"], ResultsRecord.Runs(record));

            var first = ResultsRecord.Load(record, "2026-11-27T07:46Z");
            Assert.Equal(13, first.Get("vswitch-tap", "tcp1_gbps")!.Value.Median);
            Assert.Equal(21, first.Get("vswitch-tap", "tcp1_gbps_cubic")!.Value.Median);
            Assert.Equal(["cubic"], first.OtherCongestionControls);
            Assert.Equal("bbr", first.CongestionControl);
            var last = ResultsRecord.Load(record);
            Assert.Equal(["vswitch-tap (--workers 1)", "kernel-bridge"], last.Switches);

            var again = Assert.Throws<ArgumentException>(() => ResultsRecord.Append(record, Path.Combine(dir, "b")));
            Assert.Contains("already holds the run of 2026-11-28T09:00Z", again.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
