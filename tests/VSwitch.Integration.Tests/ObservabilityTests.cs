using System.Net.Sockets;
using System.Text;

namespace VSwitch.Integration.Tests;

/// <summary>Counters, the Prometheus endpoint, systemd readiness and help, as an operator meets them.</summary>
public class ObservabilityTests
{
    [Fact]
    public void PrometheusEndpoint_ServesPortCounters_ThatMoveWithTraffic()
    {
        using var lab = new SwitchLab(["--metrics-listen", "127.0.0.1:9464"]);
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2", 5);

        var scrape = Shell.Sh($"ip netns exec {lab.SwitchNs} curl -sS --max-time 5 http://127.0.0.1:9464/metrics");
        Assert.True(scrape.Ok, scrape.ToString());
        Assert.Contains("# TYPE vswitch_port_rx_packets_total counter", scrape.Output);
        var line = scrape.Output.Split('\n').Single(l
            => l.StartsWith("vswitch_port_rx_packets_total{bridge=\"xapi1\",port=\"vif1.0\"}",
            StringComparison.Ordinal));
        Assert.True(long.Parse(line.Split(' ')[1]) >= 5, line);
        Assert.Contains("vswitch_fdb_entries ", scrape.Output);

        var notFound = Shell.Sh($"ip netns exec {lab.SwitchNs} curl -s -o /dev/null -w '%{{http_code}}' --max-time 5 " +
            $"http://127.0.0.1:9464/other");
        Assert.Equal("404", notFound.Output);
    }

    /// <summary>
    /// Frames tun drops because a tap port's TAP queue is full never reach a worker; the switch reads them
    /// from the device (its tx_dropped) as rx_queue_full, wherever the device lives: in a guest's namespace
    /// (moved there after addtap) or still in the switch's own. The switch gives its TAPs a queue of 4,000
    /// frames (tun's own default is 500), so a stopped daemon loses nothing of a shorter burst.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FramesTheKernelDropsForAFullTapQueue_AreCountedAsRxQueueFull(bool movedIntoGuest)
    {
        const int burst = 20_000;
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string g1 = lab.SwitchNs;
        if (movedIntoGuest) g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        else
        {
            lab.MustCtl("addtap", "xapi1", "vif1.0");
            Shell.MustSh($"ip -n {g1} addr add 198.18.1.1/24 dev vif1.0 && ip -n {g1} link set vif1.0 up");
        }
        var g2 = lab.AddTapGuest("xapi1", "g2", "vif2.0", "198.18.1.2");
        KernelDropDrill.Quieten(lab, g1, "vif1.0", g2, "vif2.0");
        int queue = int.Parse(Shell.Sh($"ip netns exec {g1} cat /sys/class/net/vif1.0/tx_queue_len").Output.Trim());
        Assert.Equal(4000, queue);

        // What the guest handed its TAP: tun counts a frame the switch read as tx_packets, one it dropped as
        // tx_dropped.
        long DeviceDropped() => KernelDropDrill.DeviceCounter(g1, "vif1.0", "tx_dropped");
        long droppedBefore = DeviceDropped();
        var outcome = KernelDropDrill.Run(lab, "vif1.0", g1, "vif1.0", burst,
            () => KernelDropDrill.DeviceCounter(g1, "vif1.0", "tx_packets") + DeviceDropped());

        Assert.True(outcome.SentByGuest == burst,
            $"the guest sent {outcome.SentByGuest} frames, not just the burst of {burst}");
        Assert.Equal(outcome.SentByGuest, outcome.Received + outcome.Dropped);
        // While the daemon was stopped nothing was read: all but the queue's worth had to be dropped.
        Assert.True(outcome.Dropped >= burst - queue,
            $"{outcome.Dropped} counted, but the TAP queue holds only {queue} frames of the {burst}");
        Assert.Equal(DeviceDropped() - droppedBefore, outcome.Dropped);
        Assert.Equal(outcome.Dropped, outcome.RxDropped);
    }

    [Fact]
    public void StatsCounters_UseIfconfigsVocabulary_WithBridgeTotals()
    {
        using var lab = new SwitchLab();
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2", 3);
        string text = lab.MustCtl("stats", "xapi1");
        Assert.Contains("xapi1: bridge totals\n", text);
        Assert.Matches(@"vif1\.0: tap port of xapi1  mtu 1500\n\s+RX packets [1-9]\d*  bytes \d+\n\s+RX errors 0  " +
            @"dropped \d+\n\s+TX packets [1-9]\d*  bytes \d+\n\s+TX errors 0  dropped 0\n", text);
        var bridge = lab.Stats("xapi1");
        Assert.Equal("bridge", bridge.GetProperty("kind").GetString());
        Assert.True(bridge.GetProperty("rxPackets").GetInt64() >= lab.Stats("vif1.0").GetProperty("rxPackets").GetInt64());
    }

    [Fact]
    public void UnderSystemd_TheDaemonReportsReady_OnlyOnceItsConfigIsRestored()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.Stop();
        string socketPath = Path.Combine(Path.GetTempPath(), $"{lab.Id}-notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            lab.Start(environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
            notify.ReceiveTimeout = 10_000;
            var buffer = new byte[4096];
            string message = Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
            Assert.Contains("READY=1", message);
            Assert.Contains("STATUS=switching: 1 bridges", message);
            lab.Stop();
            message = Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
            Assert.Contains("STOPPING=1", message);
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    [Fact]
    public void Help_ListsEveryCommandWithAnExample()
    {
        using var lab = new SwitchLab();
        var help = lab.Ctl("--help");
        Assert.True(help.Ok, help.ToString());
        foreach (var command in new[] { "addbr", "delbr", "addif", "delif", "show", "showmacs", "setageing", "stp",
            "addvif", "delvif", "fdb",
                     "network-list", "pif-list", "vif-list", "network-param-set", "pif-param-set", "pif-reconfigure-ip", "stats", "capture" })
        {
            Assert.Contains($"e.g. vswitchctl {command}", help.Output);
            var one = lab.Ctl(command, "--help");
            Assert.True(one.Ok, one.ToString());
            Assert.Contains("example:\n  vswitchctl " + command, one.Output);
        }
    }
}
