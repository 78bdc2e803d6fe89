using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>The command set end to end: concurrent CLIs, xe's objects, the management address, static FDB
/// entries.</summary>
public class ControlPlaneTests
{
    [Fact]
    public void TwoCliProcesses_ChangingThingsAtOnce_LeaveAWholeConsistentState()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string ctl = Path.Combine(lab.Root, "bin", "vswitchctl");
        // Two shells: each adds its own 12 taps, and both race for the same 6 shared names.
        string Loop(string who) =>
            $"for i in $(seq 1 12); do {ctl} addtap xapi1 {who}$i >/dev/null || echo FAIL {who}$i; " +
            $"if [ $i -le 6 ]; then {ctl} addtap xapi1 both$i >/dev/null 2>&1 && echo WON both$i; fi; done";
        var result = Shell.Sh($"export VSWITCH_SOCKET={lab.SocketPath}; ({Loop("a")}) > {lab.Id}.a & ({Loop("b")}) > " +
            $"{lab.Id}.b; wait; " +
                              $"cat {lab.Id}.a {lab.Id}.b; rm -f {lab.Id}.a {lab.Id}.b", TimeSpan.FromSeconds(120));
        Assert.True(result.Ok, result.ToString());
        Assert.DoesNotContain("FAIL", result.Output);
        // Each shared name was won by exactly one of the two.
        for (int i = 1; i <= 6; i++)
            Assert.Single(result.Output.Split('\n'), l => l == $"WON both{i}");

        var ports = JsonDocument.Parse(File.ReadAllText(lab.ConfigPath)).RootElement.GetProperty("bridges")[0].GetProperty("ports")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        Assert.Equal(30, ports.Count);
        Assert.Equal(30, ports.Distinct().Count());
        string links = Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output;
        foreach (var port in ports) Assert.Contains(port, links);
        Assert.Equal(30, JsonDocument.Parse(lab.MustCtl("show",
            "--json")).RootElement[0].GetProperty("interfaces").GetArrayLength());
    }

    [Fact]
    public void PifReconfigureIp_PutsTheAddressOnTheBridge_AndItSurvivesARestart()
    {
        using var lab = new SwitchLab();
        var lan = lab.AddLan(out var uplink);
        lab.MustCtl("addbr", "xenbr0", "--pif", uplink);
        var pif = JsonDocument.Parse(lab.MustCtl("pif-list", $"device={uplink}", "--json")).RootElement[0];
        string uuid = pif.GetProperty("uuid").GetString()!;
        Assert.Equal("-1", pif.GetProperty("VLAN").GetString());

        Assert.Contains("not contiguous", lab.Ctl("pif-reconfigure-ip", $"uuid={uuid}", "mode=static", "IP=198.18.0.1",
            "netmask=255.0.255.0").Error);
        Assert.Contains("no PIF with uuid", lab.Ctl("pif-reconfigure-ip", "uuid=00000000-0000-0000-0000-000000000000",
            "mode=none").Error);
        lab.MustCtl("pif-reconfigure-ip", $"uuid={uuid}", "mode=static", "IP=198.18.0.1", "netmask=255.255.255.0");

        // On the bridge's host interface, not on the PIF.
        Assert.Contains("198.18.0.1/24", Shell.Sh($"ip -n {lab.SwitchNs} -br addr show xenbr0").Output);
        Assert.DoesNotContain("198.18.0.1", Shell.Sh($"ip -n {lab.SwitchNs} -br addr show {uplink}").Output);
        lab.MustPing(lan, "198.18.0.1");
        Assert.Contains("IP-configuration-mode ( RO): Static", lab.MustCtl("pif-list"));

        lab.Stop(kill: true);
        lab.Start();
        Assert.Contains("198.18.0.1/24", Shell.Sh($"ip -n {lab.SwitchNs} -br addr show xenbr0").Output);
        lab.MustPing(lan, "198.18.0.1");

        lab.MustCtl("pif-reconfigure-ip", $"uuid={uuid}", "mode=none");
        Assert.DoesNotContain("198.18.0.1", Shell.Sh($"ip -n {lab.SwitchNs} -br addr show xenbr0").Output);
    }

    [Fact]
    public void StaticFdbEntry_IsPersisted_ShownAsStatic_AndFlushLeavesIt()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        string mac2 = SwitchLab.MacOf(g2, "vif2.0");
        lab.MustCtl("fdb", "add", "xapi1", mac2, "vif2.0");
        Assert.Contains(mac2,
            JsonDocument.Parse(File.ReadAllText(lab.ConfigPath)).RootElement.GetProperty("bridges")[0].GetProperty("staticMacs")[0].GetProperty("mac").GetString());
        lab.MustPing(g1, "198.18.1.2");

        Assert.Matches($@"  3\t{mac2}\tstatic\t\t   0.00", lab.MustCtl("showmacs", "xapi1"));
        Assert.Matches(@"flushed \d+ learned entries", lab.MustCtl("fdb", "flush", "xapi1"));
        string macs = lab.MustCtl("showmacs", "xapi1");
        Assert.Contains($"{mac2}\tstatic", macs);
        Assert.DoesNotContain(SwitchLab.MacOf(g1, "vif1.0"), macs);

        Assert.Contains("no entry for", lab.Ctl("fdb", "del", "xapi1", "02:00:00:00:00:42").Error);
        Assert.Contains("is not a port of bridge xapi1", lab.Ctl("fdb", "add", "xapi1", "02:00:00:00:00:42",
            "nosuch").Error);
        lab.MustCtl("fdb", "del", "xapi1", mac2);
        Assert.DoesNotContain("static", lab.MustCtl("showmacs", "xapi1"));
        Assert.Equal(0,
            JsonDocument.Parse(File.ReadAllText(lab.ConfigPath)).RootElement.GetProperty("bridges")[0].GetProperty("staticMacs").GetArrayLength());
    }

    [Fact]
    public void Stp_On_IsRefusedClearly_AndOffIsAccepted()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var on = lab.Ctl("stp", "xapi1", "on");
        Assert.Equal(1, on.ExitCode);
        Assert.Contains("spanning tree is not implemented", on.Error);
        lab.MustCtl("stp", "xapi1", "off");
        Assert.Contains("\tno\t", lab.MustCtl("show"));
    }

    [Fact]
    public void Delbr_WithPorts_IsRefusedAsBrctlRefusesIt_UnlessForced()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.MustCtl("addtap", "xapi1", "tap1");
        lab.MustCtl("addvif", "xapi1", "vif1.0");
        var refused = lab.Ctl("delbr", "xapi1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("still has 2 port(s) (tap1, vif1.0)", refused.Error);
        Assert.Contains("xapi1", lab.MustCtl("show"));

        lab.MustCtl("delbr", "xapi1", "--force");
        Assert.DoesNotContain("xapi1", lab.MustCtl("show"));
        Assert.DoesNotContain("vif1.0", Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output);
    }
}
