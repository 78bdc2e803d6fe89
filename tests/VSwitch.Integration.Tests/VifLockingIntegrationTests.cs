using System.Text.Json;
using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// XenServer's VIF locking with real guests: scapy in a locked guest's namespace spoofs a source MAC, a
/// source IP, ARP for another guest's address and an IPv6 source, and none of it reaches the victim or the
/// FDB, while the guest's own traffic still flows. A disabled guest is cut off both ways, and a port's
/// learned-MAC limit holds against a flood of source MACs.
/// </summary>
public class VifLockingIntegrationTests
{
    private const string SpoofedMac = "02:00:00:00:00:66";

    private static string Uuid(SwitchLab lab, string device) =>
        lab.MustCtl("vif-list", $"device={device}", "params=uuid").Split(':', 2)[1].Trim();

    [Fact]
    public void ALockedGuest_CannotSpoof_AndItsOwnTrafficStillFlows()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.AddTapGuest("xapi1", "g3", "vif3.0", "198.18.1.3");
        string attacker = SwitchLab.MacOf(g1, "vif1.0");
        string victim = SwitchLab.MacOf(g2, "vif2.0");
        lab.MustCtl("vif-param-set", $"uuid={Uuid(lab, "vif1.0")}", "locking-mode=locked",
            "ipv4-allowed=198.18.1.1", "ipv6-allowed=2001:db8::1");
        Assert.Contains("locking-mode ( RW): locked", lab.MustCtl("vif-list", "device=vif1.0"));
        lab.MustPing(g1, "198.18.1.2");

        using (var seen = Tcpdump.Start(g2, "vif2.0", ""))
        {
            Scapy.Send(g1, "vif1.0",
                $"Ether(src='{SpoofedMac}',dst='ff:ff:ff:ff:ff:ff')/IP(src='198.18.1.1',dst='198.18.1.2')/" +
                "UDP(dport=9)/Raw(b'spoofed-mac')");
            Scapy.Send(g1, "vif1.0",
                $"Ether(src='{attacker}',dst='{victim}')/IP(src='198.18.1.3',dst='198.18.1.2')/UDP(dport=9)/" +
                "Raw(b'spoofed-ip')");
            Scapy.Send(g1, "vif1.0",
                $"Ether(src='{attacker}',dst='ff:ff:ff:ff:ff:ff')/ARP(op=2,hwsrc='{attacker}',psrc='198.18.1.3'," +
                "hwdst='ff:ff:ff:ff:ff:ff',pdst='198.18.1.3')");
            Scapy.Send(g1, "vif1.0",
                $"Ether(src='{attacker}',dst='33:33:00:00:00:01')/IPv6(src='2001:db8::99',dst='ff02::1')/" +
                "ICMPv6EchoRequest()");
            string captured = seen.Stop();
            Assert.DoesNotContain(SpoofedMac, captured);
            Assert.DoesNotContain("198.18.1.3", captured);
            Assert.DoesNotContain("2001:db8::99", captured);
        }

        var drops = lab.Stats("vif1.0").GetProperty("dropsByReason");
        foreach (string reason in new[] { "locked_mac", "locked_ipv4", "locked_arp", "locked_ipv6" })
            Assert.True(drops.TryGetProperty(reason, out var n) && n.GetInt64() >= 1, $"{reason}: {drops}");
        Assert.DoesNotContain(SpoofedMac, lab.MustCtl("showmacs", "xapi1"));
        Assert.DoesNotContain("198.18.1.3", Shell.Sh($"ip -n {g2} neigh show").Output);
        lab.MustPing(g1, "198.18.1.2");
        lab.MustPing(g2, "198.18.1.1");
    }

    [Fact]
    public void ADisabledGuest_IsCutOffBothWays_UntilUnlocked()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        string vif = Uuid(lab, "vif1.0");
        lab.MustPing(g1, "198.18.1.2");

        lab.MustCtl("vif-param-set", $"uuid={vif}", "locking-mode=disabled");
        Assert.False(lab.Ping(g1, "198.18.1.2", count: 2));
        Assert.False(lab.Ping(g2, "198.18.1.1", count: 2));
        Assert.True(lab.Stats("vif1.0").GetProperty("dropsByReason").GetProperty("port_disabled").GetInt64() >= 2);

        lab.MustCtl("vif-param-set", $"uuid={vif}", "locking-mode=unlocked");
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public void AMacLimit_HoldsAgainstAFloodOf50000SourceMacs()
    {
        using var lab = new SwitchLab();
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustCtl("maclimit", "vif1.0", "16");
        // The same flood from one MAC first, so the buffers it touches are resident before memory is measured.
        Flood(g1, "s.send(b'\\xff' * 6 + b'\\x02\\x01\\x00\\x00\\x00\\x00' + b'\\x88\\xb5' + b'\\x00' * 46)");
        long warm = WhenSettled(lab);
        long rss = lab.DaemonRssKib();

        // 50,000 frames, each from a new locally administered MAC.
        Flood(g1, "s.send(b'\\xff' * 6 + b'\\x02\\x01' + struct.pack('!I', n + 1) + b'\\x88\\xb5' + b'\\x00' * 46)");
        long arrived = WhenSettled(lab) - warm;

        // Every frame that arrived came from a new MAC: the first 15 were learned (the warm-up's one MAC holds
        // the 16th place), every other one refused.
        var stats = lab.Stats("vif1.0");
        Assert.True(arrived >= 25_000, $"only {arrived} of 50,000 frames arrived: {stats}");
        int learned = Regex.Matches(lab.MustCtl("showmacs", "xapi1"), @"02:01:00:0[0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}")
            .Count;
        Assert.Equal(16, learned);
        Assert.Equal(16, stats.GetProperty("macLimit").GetInt32());
        Assert.Equal(arrived - 15, stats.GetProperty("learningRefused").GetInt64());
        long grown = lab.DaemonRssKib() - rss;
        Assert.True(grown < 4 * 1024, $"the flood grew the daemon by {grown} KiB");
        lab.MustPing(g1, "198.18.1.2");
        Assert.Equal(16, JsonDocument.Parse(File.ReadAllText(lab.ConfigPath)).RootElement.GetProperty("bridges")[0]
            .GetProperty("ports")[0].GetProperty("macLimit").GetInt32());
    }

    /// <summary>50,000 frames sent by <paramref name="send"/> (a Python statement; n counts them) from the guest's
    /// interface, paced a little so its TAP's queue keeps up.</summary>
    private static void Flood(string ns, string send)
    {
        var flood = Shell.Run("ip", ["netns", "exec", ns, "/usr/bin/python3", "-c",
            "import socket, struct, time\n" +
            "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n" +
            "s.bind(('vif1.0', 0))\n" +
            "for n in range(50000):\n" +
            $"    {send}\n" +
            "    if n % 256 == 255: time.sleep(0.002)\n"], TimeSpan.FromSeconds(120));
        Assert.True(flood.Ok, flood.ToString());
    }

    /// <summary>The port's received frames once two readings 200 ms apart agree.</summary>
    private static long WhenSettled(SwitchLab lab)
    {
        long Received() => lab.Stats("vif1.0").GetProperty("rxPackets").GetInt64();
        long last = -1;
        lab.Eventually(() =>
        {
            long now = Received();
            bool settled = now == last;
            last = now;
            Thread.Sleep(200);
            return settled;
        }, TimeSpan.FromSeconds(20), "the flood arriving");
        return last;
    }
}
