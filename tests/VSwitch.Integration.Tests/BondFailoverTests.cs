using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Integration.Tests;

/// <summary>
/// Bonds against a real upstream switch: two veth links from the switch namespace to a kernel bridge in an
/// "upstream" namespace, with a host behind it. Taking a link down means setting its upstream end down, as
/// pulling a cable does: the bond's side loses carrier.
/// </summary>
public class BondFailoverTests
{
    private const string Host = "198.18.0.254";

    private static string BuildUpstream(SwitchLab lab, out string host)
    {
        string up = lab.AddNamespace("up");
        host = lab.AddNamespace("h");
        Shell.MustSh($"ip -n {up} link add br0 type bridge && ip -n {up} link set br0 up && " +
                     $"ip link add {lab.Id}b1 netns {lab.SwitchNs} type veth peer name u1 netns {up} && " +
                     $"ip link add {lab.Id}b2 netns {lab.SwitchNs} type veth peer name u2 netns {up} && " +
                     $"ip link add hv netns {up} type veth peer name eth0 netns {host} && " +
                     $"for p in u1 u2 hv; do ip -n {up} link set $p master br0 up; done && " +
                     $"ip -n {host} addr add {Host}/24 dev eth0 && ip -n {host} link set eth0 up");
        return up;
    }

    private static string ActiveMember(SwitchLab lab) =>
        Regex.Match(lab.MustCtl("bond", "show", "bond0"), @"active member: (\S+)").Groups[1].Value;

    private static long UpstreamRx(string up, string device) =>
        JsonDocument.Parse(Shell.Sh($"ip -n {up} -s -j link show {device}").Output).RootElement[0]
            .GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetInt64();

    [Fact]
    public async Task ActiveBackup_FailsOverWithin100ms_WithoutDuplicates_AndKeepsATcpConnection_ThenObeysUpdelay()
    {
        using var lab = new SwitchLab();
        string up = BuildUpstream(lab, out string host);
        lab.MustCtl("addbond", "bond0", $"{lab.Id}b1", $"{lab.Id}b2", "--primary", $"{lab.Id}b1", "--updelay", "500");
        lab.MustCtl("addbr", "xenbr1", "--pif", "bond0");
        string guest = lab.AddTapGuest("xenbr1", "g", $"{lab.Id}g", "198.18.0.1");
        lab.MustPing(host, "198.18.0.1");
        Assert.Equal($"{lab.Id}b1", ActiveMember(lab));

        Shell.MustSh($"ip netns exec {guest} iperf3 -s -D -1 -p 5201");
        Thread.Sleep(300);
        var ping = Task.Run(() => Shell.Sh($"ip netns exec {host} ping -i 0.01 -c 300 -W 1 198.18.0.1",
            TimeSpan.FromSeconds(30)));
        var tcp = Task.Run(() => Shell.Sh($"ip netns exec {host} iperf3 -c 198.18.0.1 -p 5201 -t 4 -b 20M",
            TimeSpan.FromSeconds(30)));
        await Task.Delay(1000);
        Shell.MustSh($"ip -n {up} link set u1 down");
        var pinged = await ping;
        var transferred = await tcp;

        var counts = Regex.Match(pinged.Output, @"(\d+) packets transmitted, (\d+) received");
        Assert.True(counts.Success, pinged.ToString());
        int lost = int.Parse(counts.Groups[1].Value) - int.Parse(counts.Groups[2].Value);
        Assert.True(lost <= 10,
            $"{lost} of 300 pings lost in the failover (at most 10 allowed)\n{pinged.Output}\n{lab.ReadLog()}");
        Assert.DoesNotContain("DUP!", pinged.Output);
        Assert.True(transferred.Ok, $"the TCP connection did not survive the failover: {transferred}");
        Assert.Equal($"{lab.Id}b2", ActiveMember(lab));
        var show = lab.MustCtl("bond", "show");
        Assert.True(show.Contains("failovers: 1"), show + lab.ReadLog());

        // The primary comes back: carrier first, traffic only after updelay (500 ms).
        var sinceUp = Stopwatch.StartNew();
        Shell.MustSh($"ip -n {up} link set u1 up");
        Assert.Contains("waiting for updelay", lab.MustCtl("bond", "show", "bond0"));
        Assert.Equal($"{lab.Id}b2", ActiveMember(lab));
        Assert.True(SpinWait.SpinUntil(() => ActiveMember(lab) == $"{lab.Id}b1", TimeSpan.FromSeconds(5)),
            lab.MustCtl("bond", "show"));
        Assert.True(sinceUp.ElapsedMilliseconds >= 500,
            $"back on the primary after {sinceUp.ElapsedMilliseconds} ms, before updelay ran out");
        lab.MustPing(host, "198.18.0.1");
    }

    [Fact]
    public void BalanceSlb_UsesBothLinksForTwoGuests_AndMovesThemToOneWhenALinkFails()
    {
        using var lab = new SwitchLab();
        string up = BuildUpstream(lab, out string host);
        lab.MustCtl("addbond", "bond0", $"{lab.Id}b1", $"{lab.Id}b2", "--mode", "balance-slb");
        lab.MustCtl("addbr", "xenbr1", "--pif", "bond0");
        // Guest MACs chosen so that one hashes to each link.
        var macs = Enumerable.Range(1, 64).Select(n => new MacAddress(0x0200_0000_5100UL + (ulong)n)).ToList();
        string macA = macs.First(m => UplinkPort.MemberFor(m, 2) == 0).ToString();
        string macB = macs.First(m => UplinkPort.MemberFor(m, 2) == 1).ToString();
        string a = lab.AddNamespace("ga");
        string b = lab.AddNamespace("gb");
        lab.MustCtl("addtap", "xenbr1", $"{lab.Id}ga", "--mac", macA);
        lab.MustCtl("addtap", "xenbr1", $"{lab.Id}gb", "--mac", macB);
        foreach (var (ns, tap, address) in new[] { (a, $"{lab.Id}ga", "198.18.0.1"), (b, $"{lab.Id}gb", "198.18.0.2") })
            Shell.MustSh($"ip -n {lab.SwitchNs} link set {tap} netns {ns} && ip -n {ns} addr add {address}/24 dev " +
                $"{tap} && ip -n {ns} link set {tap} up");

        long u1 = UpstreamRx(up, "u1"), u2 = UpstreamRx(up, "u2");
        Assert.True(lab.Ping(a, Host, count: 40, interval: 0.01));
        Assert.True(lab.Ping(b, Host, count: 40, interval: 0.01));
        Assert.True(UpstreamRx(up, "u1") - u1 >= 40, "guest A's traffic did not use link 1");
        Assert.True(UpstreamRx(up, "u2") - u2 >= 40, "guest B's traffic did not use link 2");

        Shell.MustSh($"ip -n {up} link set u1 down");
        Assert.True(SpinWait.SpinUntil(() => lab.MustCtl("bond", "show").Contains($"member {lab.Id}b1: disabled"),
            TimeSpan.FromSeconds(2)));
        u2 = UpstreamRx(up, "u2");
        lab.MustPing(a, Host, count: 20);
        lab.MustPing(b, Host, count: 20);
        Assert.True(UpstreamRx(up, "u2") - u2 >= 40, "both guests' traffic should now use link 2");
        var pifs = lab.MustCtl("pif-list", "params=device,bond-slave-of,bond-master-of");
        Assert.Matches(new Regex($@"device \( RO\)\s*: {lab.Id}b2\s+bond-master-of \(SRO\)\s*:\s+bond-slave-of \( " +
            $@"RO\)\s*: [0-9a-f-]{{36}}"), pifs);
        Assert.Matches(new Regex(@"device \( RO\)\s*: bond0\s+bond-master-of \(SRO\)\s*: [0-9a-f-]{36}"), pifs);
    }
}
