using System.Text.RegularExpressions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;

namespace VSwitch.Integration.Tests;

/// <summary>
/// The host's own stack and the switch's ports: frames that arrive on an interface the switch attached
/// belong to the switch alone, as the kernel bridge's ports' frames do. Before, the host also took them
/// straight off the NIC, and answered a ping to its management address twice.
/// </summary>
public class HostBoundaryTests
{
    /// <summary>Every request answered exactly once: no reply lost, none duplicated.</summary>
    private static void AssertAnsweredOnce(CommandResult ping, int count)
    {
        Assert.Contains($"{count} packets transmitted, {count} received,", ping.Output);
        Assert.DoesNotContain("DUP!", ping.Output);
        Assert.DoesNotContain("duplicates", ping.Output);
    }

    /// <summary>The MACs that answered ARP for <paramref name="address"/>, one entry per reply (arping -c 3: three
    /// requests).</summary>
    private static List<string> ArpAnswers(string ns, string device, string address)
    {
        var result = Shell.Sh($"ip netns exec {ns} arping -c 3 -I {device} {address}", TimeSpan.FromSeconds(30));
        return Regex.Matches(result.Output, @"reply from \S+ \[([0-9A-Fa-f:]{17})\]").Select(m
            => m.Groups[1].Value.ToLowerInvariant()).ToList();
    }

    /// <summary>The source MACs of the frames a tcpdump -e printed.</summary>
    private static HashSet<string> Sources(string capture) =>
        Regex.Matches(capture, @"^\S+ ([0-9a-f:]{17}) > ", RegexOptions.Multiline).Select(m
            => m.Groups[1].Value).ToHashSet();

    [Fact]
    public void TheManagementIp_FromTheLan_AnswersPingArpAndTcpOnce_AndOnlyTheSwitchsMacsReachTheLan()
    {
        using var lab = new SwitchLab();
        string lan = lab.AddLan(out string pif);
        lab.MustCtl("addbr", "xenbr0", "--pif", pif);
        string uuid = Regex.Match(lab.MustCtl("pif-list", $"device={pif}", "params=uuid"),
            @"uuid \( RO\)\s*: (\S+)").Groups[1].Value;
        lab.MustCtl("pif-reconfigure-ip", $"uuid={uuid}", "mode=static", "IP=198.18.0.1", "netmask=255.255.255.0");
        string guest = lab.AddTapGuest("xenbr0", "vm", $"{lab.Id}v", "198.18.0.11");
        string bridgeMac = SwitchLab.MacOf(lab.SwitchNs, "xenbr0");
        string lanMac = SwitchLab.MacOf(lan, "lan0");
        string guestMac = SwitchLab.MacOf(guest, $"{lab.Id}v");

        using var capture = Tcpdump.Start(lan, "lan0", "");
        AssertAnsweredOnce(lab.PingOutput(lan, "198.18.0.1", 20), 20);
        Assert.Equal([bridgeMac, bridgeMac, bridgeMac], ArpAnswers(lan, "lan0", "198.18.0.1"));
        var (sent, received) = Transfer.Run(lan, lab.SwitchNs, "198.18.0.1", 4 << 20);
        Assert.Equal(sent, received);
        AssertAnsweredOnce(lab.PingOutput(guest, "198.18.0.254", 5), 5);

        var seen = Sources(capture.Stop());
        Assert.Contains(bridgeMac, seen);
        Assert.Contains(guestMac, seen);
        seen.ExceptWith([lanMac, bridgeMac, guestMac]);
        Assert.True(seen.Count == 0,
            $"frames from MACs the switch never sent for reached the LAN: {string.Join(", ", seen)}");
    }

    [Fact]
    public void ABridgeOfRawPorts_WithAnAddressOnItsInterface_AnswersArpOnce_AndFloodsNoEchoRequestToAThirdHost()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        Shell.MustSh($"ip -n {lab.SwitchNs} addr add 198.18.1.254/24 dev xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out string g1);
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out _);
        lab.AddVethGuest("xapi1", "g3", "198.18.1.3", out string g3);

        // Only the bridge's interface (fe:ff:ff:ff:ff:ff, as on XenServer) may answer; not the veth of g1's port.
        Assert.Equal(["fe:ff:ff:ff:ff:ff", "fe:ff:ff:ff:ff:ff", "fe:ff:ff:ff:ff:ff"], ArpAnswers(g1, "eth0",
            "198.18.1.254"));
        using var third = Tcpdump.Start(g3, "eth0", "icmp");
        AssertAnsweredOnce(lab.PingOutput(g1, "198.18.1.254", 20), 20);
        string flooded = third.Stop();
        Assert.DoesNotContain("ICMP echo", flooded);
    }

    [Fact]
    public void APortInterface_SendsNothingOfTheHostsOwn_EvenWithIpv6On()
    {
        using var lab = new SwitchLab();
        // Give the switch's namespace IPv6, as a host's own namespace has it: a new interface gets a link-local
        // address and sends DAD, MLD and router solicitations from its own MAC as soon as it is up.
        Shell.MustSh($"ip netns exec {lab.SwitchNs} sysctl -qw net.ipv6.conf.all.disable_ipv6=0 " +
            $"net.ipv6.conf.default.disable_ipv6=0");
        lab.MustCtl("addbr", "xapi1");
        string guest = lab.AddNamespace("g");
        string veth = $"{lab.Id}q";
        Shell.MustSh($"ip link add {veth} netns {lab.SwitchNs} type veth peer name eth0 netns {guest} && ip -n " +
            $"{guest} link set eth0 up");
        string vethMac = SwitchLab.MacOf(lab.SwitchNs, veth);

        using var capture = Tcpdump.Start(guest, "eth0", $"ether src {vethMac}");
        lab.MustCtl("addif", "xapi1", veth);
        Thread.Sleep(3000);
        string leaked = capture.Stop();
        Assert.True(leaked.Trim().Length == 0,
            $"the host sent frames of its own from the port's interface {veth}:\n{leaked}");
        Assert.Equal("1",
            Shell.Sh($"ip netns exec {lab.SwitchNs} sysctl -n net.ipv6.conf.{veth}.disable_ipv6").Output.Trim());
    }

    [Fact]
    public void Isolation_IsUndoneOnDelifAndOnStop_AndAfterSigkillIsRepairedOrKept()
    {
        using var lab = new SwitchLab();
        Shell.MustSh($"ip netns exec {lab.SwitchNs} sysctl -qw net.ipv6.conf.all.disable_ipv6=0 " +
            $"net.ipv6.conf.default.disable_ipv6=0");
        lab.MustCtl("addbr", "xapi1");
        string veth = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out _);
        string Filter() => Shell.Sh($"tc -n {lab.SwitchNs} filter show dev {veth} ingress").Output;
        string Qdiscs() => Shell.Sh($"tc -n {lab.SwitchNs} qdisc show dev {veth}").Output;
        string Ipv6Disabled()
            => Shell.Sh($"ip netns exec {lab.SwitchNs} sysctl -n net.ipv6.conf.{veth}.disable_ipv6").Output.Trim();
        void AssertIsolated()
        {
            Assert.Contains("vswitchd-port undo:disable_ipv6=0,clsact=delete direct-action", Filter());
            Assert.Equal("1", Ipv6Disabled());
        }
        void AssertGivenBack()
        {
            Assert.DoesNotContain("vswitchd", Filter());
            Assert.DoesNotContain("clsact", Qdiscs());
            Assert.Equal("0", Ipv6Disabled());
        }

        AssertIsolated();
        lab.MustCtl("delif", "xapi1", veth);
        AssertGivenBack();

        lab.MustCtl("addif", "xapi1", veth);
        AssertIsolated();
        Assert.Equal(0, lab.Stop());
        AssertGivenBack();

        // A SIGKILL leaves the port isolated; the next daemon keeps what the first one recorded.
        lab.Start();
        AssertIsolated();
        lab.Stop(kill: true);
        AssertIsolated();
        lab.Start();
        AssertIsolated();
        lab.MustCtl("delif", "xapi1", veth);
        AssertGivenBack();

        // Killed, then the port left the configuration while no daemon ran: the next daemon gives it back.
        lab.MustCtl("addif", "xapi1", veth);
        lab.Stop(kill: true);
        var config = ConfigFile.Load(lab.ConfigPath);
        config.Bridges.Single().Ports.Clear();
        ConfigFile.SaveAtomically(lab.ConfigPath, config);
        lab.Start();
        lab.AssertLogged($"{veth} was still kept from the host's stack by an earlier vswitchd but is no port any " +
            $"more: given back");
        AssertGivenBack();
    }
}
