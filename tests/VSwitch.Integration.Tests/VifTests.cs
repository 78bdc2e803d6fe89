using System.Diagnostics;
using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>QEMU-style VIFs: persistent TAPs that guests open, which must survive the daemon being killed.</summary>
public class VifTests
{
    [Fact]
    public void Addvif_CreatesAPersistentOwnedTap_AndPrintsTheQemuArguments()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string output = lab.MustCtl("addvif", "xapi1", "vif3.0", "--owner", "nobody", "--mac", "02:00:00:00:03:00");

        Assert.Equal("-netdev tap,id=vif3.0,ifname=vif3.0,script=no,downscript=no -device " +
            "virtio-net-pci,netdev=vif3.0,mac=02:00:00:00:03:00\n", output);
        string details = Shell.Sh($"ip -n {lab.SwitchNs} -d link show vif3.0").Output;
        Assert.Contains("tun type tap", details);
        Assert.Contains("persist on", details);
        Assert.Contains("user nobody", details);
        Assert.Contains("vif3.0", lab.MustCtl("show", "xapi1"));

        var vif = JsonDocument.Parse(lab.MustCtl("vif-list", "device=vif3.0", "--json")).RootElement[0];
        Assert.Equal("3", vif.GetProperty("vm").GetString());
        Assert.Equal("02:00:00:00:03:00", vif.GetProperty("MAC").GetString());

        // A random MAC, when none is given, is locally administered unicast (second hex digit 2, 6, A or E).
        string random = lab.MustCtl("addvif", "xapi1", "vif3.1");
        string mac = random[(random.IndexOf("mac=", StringComparison.Ordinal) + 4)..].Trim();
        Assert.Contains(mac[1], "26ae");

        lab.MustCtl("delvif", "vif3.0");
        Assert.False(Shell.Sh($"ip -n {lab.SwitchNs} link show vif3.0").Ok, "delvif must delete the TAP");
        Assert.DoesNotContain("vif3.0", lab.MustCtl("show"));
    }

    [Fact]
    public void Addvif_Refusals_ChangeNothing()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string links = Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output;
        string config = File.ReadAllText(lab.ConfigPath);

        Assert.Contains("VIFs are named vif<domid>.<n>", lab.Ctl("addvif", "xapi1", "guest0").Error);
        Assert.Contains("no such user", lab.Ctl("addvif", "xapi1", "vif1.0", "--owner", "no-such-user-here").Error);
        Assert.Contains("multicast", lab.Ctl("addvif", "xapi1", "vif1.0", "--mac", "03:00:00:00:00:01").Error);
        Assert.Contains("bridge nosuch does not exist", lab.Ctl("addvif", "nosuch", "vif1.0").Error);
        Assert.Contains("at most 15 bytes", lab.Ctl("addvif", "xapi1", "vif12345678.1234").Error);

        Assert.Equal(links, Shell.Sh($"ip -n {lab.SwitchNs} -br link").Output);
        Assert.Equal(config, File.ReadAllText(lab.ConfigPath));
    }

    [Fact]
    public void AGuestOnAVif_KeepsRunningThroughSigkill_AndItsTrafficResumesWithinTwoSeconds()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.MustCtl("addvif", "xapi1", "vif7.0", "--mac", "02:00:00:00:07:00");
        lab.MustCtl("fdb", "add", "xapi1", "02:00:00:00:07:99", "vif7.0");
        string networkUuid = JsonDocument.Parse(lab.MustCtl("network-list",
            "--json")).RootElement[0].GetProperty("uuid").GetString()!;
        lab.MustCtl("network-param-set", $"uuid={networkUuid}", "other-config:lab=restart", "name-label=Guests");
        string vifs = lab.MustCtl("vif-list");
        var guest = lab.StartTapGuest("vif7.0", "02:00:00:00:07:00", "198.18.1.7");
        lab.MustPing(g1, "198.18.1.7");

        // Kill the daemon in the middle of a ping stream.
        var stream = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", g1, "ping", "-i", "0.02", "-c", "150",
            "-W", "1", "198.18.1.7"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Thread.Sleep(800);
        lab.Stop(kill: true);

        // The guest and its TAP outlive the daemon.
        Assert.False(guest.HasExited, "the guest must not notice the daemon dying");
        Assert.Contains("persist on", Shell.Sh($"ip -n {lab.SwitchNs} -d link show vif7.0").Output);

        lab.Start();
        var resumed = Stopwatch.StartNew();
        bool ok = false;
        while (!ok && lab.SinceStart.Elapsed < TimeSpan.FromSeconds(5))
            ok = Shell.Sh($"ip netns exec {g1} ping -c 1 -W 0.2 198.18.1.7").Ok;
        Assert.True(ok, $"no traffic to the VIF guest after the restart\n{lab.ReadLog()}");
        Assert.True(lab.SinceStart.Elapsed < TimeSpan.FromSeconds(2),
            $"traffic resumed {lab.SinceStart.Elapsed.TotalMilliseconds:F0} ms after the daemon was started again; " +
                $"the goal is under 2 s");
        stream.WaitForExit(20_000);
        Assert.Matches(@"\d+ received", stream.StandardOutput.ReadToEnd());

        // Everything else came back: the VIF with its UUID, the static entry, the network's settings.
        Assert.Equal(vifs, lab.MustCtl("vif-list"));
        Assert.Matches(@"\s3\t02:00:00:00:07:99\tstatic", lab.MustCtl("showmacs", "xapi1"));
        string network = lab.MustCtl("network-list", $"uuid={networkUuid}");
        Assert.Contains("name-label ( RW): Guests", network);
        Assert.Contains("other-config (MRW): lab: restart", network);
        Assert.False(guest.HasExited);
    }
}
