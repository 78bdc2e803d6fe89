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
        r.AddRaw(["round\tswitch\tmetric\tvalue", "1\tvswitch-tap\ttcp1_gbps\t14.0", "1\tkernel-bridge\ttcp1_gbps\t", "2\tvswitch-tap\ttcp1_gbps\t16"]);
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

    [Fact]
    public void Targets_ThroughputIsAtLeast_LatencyIsAtMost()
    {
        var r = new ResultSet();
        r.Add("vswitch-tap", "tcp1_gbps", 15); r.Add("kernel-bridge", "tcp1_gbps", 16);
        r.Add("vswitch-tap", "ping_avg_us", 90); r.Add("kernel-bridge", "ping_avg_us", 50);
        var tcp = Target.FromIssue.Single(t => t.Metric == "tcp1_gbps" && t.Against == "kernel-bridge").Evaluate(r);
        Assert.Equal(15.0 / 16, tcp.Ratio!.Value, 6);
        Assert.True(tcp.Met);
        var ping = Target.FromIssue.Single(t => t.Metric == "ping_avg_us").Evaluate(r);
        Assert.Equal(1.8, ping.Ratio!.Value, 6);
        Assert.False(ping.Met);
        var missing = Target.FromIssue.Single(t => t.Against == "ovs-tap" && t.Metric == "tcp1_gbps").Evaluate(r);
        Assert.Null(missing.Ratio);
        Assert.False(missing.Met);
    }

    [Theory]
    [InlineData(10.0, false)] // matching the naive loop is not beating it
    [InlineData(10.5, true)]
    [InlineData(9.5, false)]
    public void Targets_TheNaiveTapLoopMustBeBeaten_NotMatched(double vswitchGbps, bool met)
    {
        var r = new ResultSet();
        r.Add("vswitch-tap", "tcp1_gbps", vswitchGbps); r.Add("tap-loop", "tcp1_gbps", 10);
        var beat = Target.FromIssue.Single(t => t.Against == "tap-loop" && t.Metric == "tcp1_gbps").Evaluate(r);
        Assert.Equal(vswitchGbps / 10, beat.Ratio!.Value, 6);
        Assert.Equal(met, beat.Met);
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
        Assert.Contains("- machine: 2 cores\n- tcp: congestion control bbr (allowed in namespaces: reno bbr)\n- vswitchd: workers 1 (its default on 2 cores)\n",
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
        Assert.Contains("Needed `ethtool -K … tx off` on the hosts to pass TCP at all: OVS userspace, veth (system ports)", md);
        Assert.DoesNotContain("sockperf's UDP", md);
        // A run without TCP says nothing about TCP's offloads.
        var udpOnly = new ResultSet();
        udpOnly.Add("vswitch-veth", "sockperf_avg_us", 55);
        Assert.DoesNotContain("passed TCP", ReportWriter.Write(udpOnly));
        r.Add("ovs-veth", "sockperf_avg_us", 324);
        r.Add("ovs-veth", "sockperf_needs_tx_off", 1);
        Assert.Contains("Needed `ethtool -K … tx off` on the hosts to pass sockperf's UDP at all: OVS userspace, veth (system ports) (its sockperf figures are with tx off).", ReportWriter.Write(r));
        Assert.Contains("| TCP 1 stream ≥ 0.9 × kernel bridge | not measured | — |", md);
    }

    [Fact]
    public void Report_ASecondCongestionControl_GetsItsOwnTable_Ratios_AndTcpTargets()
    {
        var r = new ResultSet();
        r.Machine["tcp"] = "congestion control bbr, the machine's default (allowed in namespaces: reno bbr); TCP also with cubic (iperf3 -C cubic)";
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
        Assert.Contains("Needed `ethtool -K … tx off` on the hosts to pass TCP at all: OVS userspace, veth (system ports)", md);
        // Each TCP target twice, the second judged on cubic's figures; the others once.
        Assert.Contains("| TCP 1 stream ≥ 0.9 × kernel bridge | 1.00 | met |\n| TCP 1 stream ≥ 0.9 × kernel bridge, with cubic | 0.60 | **not met** |", md);
        Assert.Contains("| TCP 4 streams ≥ 0.6 × kernel bridge, with cubic | 0.55 | **not met** |", md);
        Assert.Single(Target.For(r), t => t.Metric == "pps_received" && t.Against == "ovs-tap");
        Assert.Equal(Target.FromIssue.Count + Target.FromIssue.Count(t => t.Metric.StartsWith("tcp")), Target.For(r).Count);

        // A run with one pass keeps its plain headings and the issue's targets as they are.
        var one = new ResultSet();
        one.Machine["tcp"] = "congestion control bbr, the machine's default";
        one.Add("vswitch-tap", "tcp1_gbps", 9);
        Assert.Empty(one.OtherCongestionControls);
        Assert.Contains("| switch | TCP 1 stream, Gbit/s |", ReportWriter.Write(one));
        Assert.Equal(Target.FromIssue, Target.For(one));
    }

    [Fact]
    public void Report_TheHostsAlone_SetEverySwitchAgainstTheVethPair_WithoutBecomingATarget()
    {
        var r = new ResultSet();
        r.Machine["tcp"] = "congestion control bbr, the machine's default; TCP also with cubic (iperf3 -C cubic)";
        r.Add("vswitch-tap", "tcp1_gbps", 8); r.Add("kernel-bridge", "tcp1_gbps", 7.5); r.Add("veth-pair", "tcp1_gbps", 10);
        r.Add("vswitch-tap", "tcp1_gbps_cubic", 12); r.Add("veth-pair", "tcp1_gbps_cubic", 24);
        r.Add("vswitch-tap", "ping_avg_us", 100); r.Add("kernel-bridge", "ping_avg_us", 70); r.Add("veth-pair", "ping_avg_us", 50);

        string md = ReportWriter.Write(r).ReplaceLineEndings("\n");
        Assert.Contains("## Against the hosts alone: two hosts on one veth pair, no switch, in the same rounds", md);
        Assert.Contains("| switch | TCP 1 stream, bbr | TCP 4 streams, bbr | TCP 1 stream, cubic | TCP 4 streams, cubic | 64-byte received | ping avg (lower is better) |", md);
        Assert.Contains("| VSwitch, tap ports | 0.80 | — | 0.50 | — | — | 2.00 |", md);
        Assert.Contains("| Linux kernel bridge, veth | 0.75 | — | — | — | — | 1.40 |", md);
        // The pair is the reference of that table, not a row of it; its own figures stay in the first table.
        Assert.DoesNotContain("| veth pair, no switch | 1.00", md);
        Assert.Contains("| veth pair, no switch | 10.00 |", md);
        Assert.DoesNotContain("veth pair", md[md.IndexOf("## The performance issue's targets", StringComparison.Ordinal)..]);

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
            Assert.Equal(["throughput.png"], Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order().ToArray());
            Assert.True(new FileInfo(Path.Combine(dir, "throughput.png")).Length > 1000);
            Assert.Contains("Plots: `throughput.png` (TCP per switch).", ReportWriter.Write(r));

            r.Add("vswitch-tap", "pps_received", 150_000);
            r.AddRtt("vswitch-tap", ["90", "95"]);
            Assert.Contains("Plots: `throughput.png` (TCP per switch), `frames.png` (64-byte rates), `latency.png` (ping round-trip distribution).",
                ReportWriter.Write(r));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
