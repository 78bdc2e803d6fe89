using VSwitch.Core.Config;
using VSwitch.Core.Ports;

namespace VSwitch.Integration.Tests;

/// <summary>vswitchd as a program: external bridges, persistence, shutdown, refusals.</summary>
public class DaemonTests
{
    [Fact]
    public void ExternalBridge_TakesTheUplinksMac_AndCarriesTheManagementIp()
    {
        using var lab = new SwitchLab();
        var lan = lab.AddLan(out var pif);
        lab.MustCtl("addbr", "xenbr0", "--pif", pif);
        Shell.MustSh($"ip -n {lab.SwitchNs} addr add 198.18.0.1/24 dev xenbr0");
        var vm = lab.AddTapGuest("xenbr0", "vm1", "vif1.0", "198.18.0.11");

        string pifMac = SwitchLab.MacOf(lab.SwitchNs, pif);
        string hostMac = SwitchLab.MacOf(lab.SwitchNs, "xenbr0");
        Assert.Equal(pifMac, hostMac);
        Assert.Contains($"8000.{pifMac.Replace(":", "")}", lab.MustCtl("show", "xenbr0"));

        lab.MustPing(vm, "198.18.0.254");  // guest → outside, through the uplink
        lab.MustPing(lan, "198.18.0.1");   // outside → management IP on the bridge's host interface
        lab.MustPing(vm, "198.18.0.1");    // guest → management IP
        Assert.Matches($"  1\t{pifMac}\tyes", lab.MustCtl("showmacs", "xenbr0"));
    }

    [Fact]
    public void Restart_RestoresBridgesPortsAndSettings_FromTheSavedConfig()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.MustCtl("addbr", "xapi2");
        string mac = lab.MustCtl("addtap", "xapi1", "vif1.0", "--mac", "02:11:22:33:44:55").Trim();
        Assert.Equal("vif1.0 02:11:22:33:44:55", mac);
        lab.AddVethGuest("xapi2", "g2", "198.18.2.2", out _);
        lab.MustCtl("setageing", "xapi2", "45");
        string show = lab.MustCtl("show");

        Assert.Equal(0, lab.Stop());
        // SIGTERM removed the devices the switch created (TAPs and host interfaces), and nothing else.
        Assert.DoesNotContain("vif1.0", Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output);
        Assert.DoesNotContain("xapi1", Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output);
        Assert.Contains($"{lab.Id}g2", Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output);

        lab.Start();
        Assert.Equal(show, lab.MustCtl("show"));
        Assert.Contains("02:11:22:33:44:55", Shell.Sh($"ip -n {lab.SwitchNs} -br link show vif1.0").Output);
        Assert.Contains("\"ageingSeconds\": 45", File.ReadAllText(lab.ConfigPath));
    }

    [Fact]
    public void AfterSigkill_TheSavedConfigIsWholeAndARestartRestoresIt()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        lab.MustPing(g1, "198.18.1.2", 2);
        lab.Stop(kill: true);

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(lab.ConfigPath)!, ".*.tmp"));
        lab.Start();
        Assert.Contains($"{lab.Id}g2", lab.MustCtl("show"));
        // The raw port is back: the veth guest reaches the bridge's host interface again.
        Shell.MustSh($"ip -n {lab.SwitchNs} addr add 198.18.1.254/24 dev xapi1");
        lab.MustPing(g2, "198.18.1.254");
    }

    [Fact]
    public void Sigterm_WithAThousandTapPorts_StopsWithinTwoSeconds_AndLeavesNoTapBehind()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        var ports = Enumerable.Range(0, 1000).Select(i => new VSwitch.Core.Config.PortConfig { Name = $"{lab.Id}p{i}",
            Kind = VSwitch.Core.Ports.PortKind.Tap });
        VSwitch.Core.Config.ConfigFile.SaveAtomically(lab.ConfigPath, new VSwitch.Core.Config.SwitchConfig
        {
            Bridges = [new VSwitch.Core.Config.BridgeConfig { Name = "xapi1", Ports = ports.ToList() }],
        });
        lab.Start();
        // Some TAPs are in guests' namespaces, as tap ports usually are.
        string[] guests = [lab.AddNamespace("g1"), lab.AddNamespace("g2")];
        for (int i = 0; i < 40; i++) Shell.MustSh($"ip -n {lab.SwitchNs} link set {lab.Id}p{i} netns {guests[i % 2]}");
        int Taps(string ns) => Shell.Sh($"ip -n {ns} -o link show type tun").Output.Split('\n',
            StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(961, Taps(lab.SwitchNs)); // 960 ports and the bridge's own interface

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, lab.Stop());
        stopping.Stop();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2),
            $"SIGTERM took {stopping.Elapsed.TotalSeconds:F2} s to stop a switch of 1,000 tap ports");
        Assert.Equal(0, Taps(lab.SwitchNs));
        Assert.All(guests, ns => Assert.Equal(0, Taps(ns)));
        Console.WriteLine($"SIGTERM with 1,000 tap ports: stopped in {stopping.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void MalformedConfig_IsRefused_NamingTheField()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        string bad = Path.Combine(Path.GetDirectoryName(lab.ConfigPath)!, "bad.json");
        File.WriteAllText(bad,
            """{ "bridges": [ { "name": "xapi1", "ports": [ { "name": "vif1.0", "kind": "tun" } ] } ] }""");
        var result = Shell.Run("ip", ["netns", "exec", lab.SwitchNs, Path.Combine(lab.Root, "bin", "vswitchd"),
            "--config", bad, "--socket", lab.SocketPath], TimeSpan.FromSeconds(30));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.bridges[0].ports[0].kind", result.Error);
    }

    [Theory]
    [InlineData("--io-uring", "maybe")]
    [InlineData("--raw-ring", "yes")]
    public void AnOnOffOptionSetToAnythingElse_IsRefused(string option, string value)
    {
        using var lab = new SwitchLab();
        var result = Shell.Run(Path.Combine(lab.Root, "bin", "vswitchd"), [option, value, "--socket",
            Path.Combine(lab.WorkDir, "other.sock")]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"{option}: '{value}' is neither on nor off", result.Error);
    }

    [Fact]
    public void Workers_ByDefault_OnePerCore_ButOneOnTwoCoresOrFewer_AndAsManyAsAsked()
    {
        // LinuxDatapath.DefaultWorkers: on two cores the guests' stacks need the second core (perf/README.md).
        int cores = Environment.ProcessorCount, expected = cores <= 2 ? 1 : cores;
        using (var lab = new SwitchLab())
        {
            Assert.Equal(expected, ProcStat.WorkerTasks(lab.DaemonPid).Count());
            lab.AssertLogged($"datapath workers {expected},");
        }
        using (var lab = new SwitchLab(["--workers", "3"]))
            Assert.Equal(3, ProcStat.WorkerTasks(lab.DaemonPid).Count());
    }

    [Fact]
    public void CliErrors_ExitNonZero_WithAClearMessage()
    {
        using var lab = new SwitchLab();
        var unknownBridge = lab.Ctl("addif", "nosuchbr", "lo");
        Assert.Equal(1, unknownBridge.ExitCode);
        Assert.Contains("bridge nosuchbr does not exist", unknownBridge.Error);

        var usage = lab.Ctl("addif", "onlyone");
        Assert.NotEqual(0, usage.ExitCode);
        Assert.Contains("usage: vswitchctl addif BRIDGE DEVICE", usage.Error);

        var multicast = lab.Ctl("addbr", "xapi1") is { Ok: true } ? lab.Ctl("addtap", "xapi1", "vif1.0", "--mac",
            "01:00:5e:00:00:01") : null;
        Assert.NotNull(multicast);
        Assert.Equal(1, multicast.ExitCode);
        Assert.Contains("multicast", multicast.Error);
        Assert.DoesNotContain("vif1.0", lab.MustCtl("show"));

        var noDaemon = Shell.Run(Path.Combine(lab.Root, "bin", "vswitchctl"), ["show"], TimeSpan.FromSeconds(10),
            new Dictionary<string, string> { ["VSWITCH_SOCKET"] = "/nonexistent/vswitchd.sock" });
        Assert.Equal(1, noDaemon.ExitCode);
        Assert.Contains("is vswitchd running?", noDaemon.Error);
    }
}
