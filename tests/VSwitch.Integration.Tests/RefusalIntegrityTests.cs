using System.Text;

namespace VSwitch.Integration.Tests;

/// <summary>
/// A refused change leaves everything as it was: with the configuration on a full file system every mutating
/// command is refused, and the running switch, the kernel's devices and the file are unchanged. Names are
/// held to what the kernel takes byte for byte, the switch's own interfaces cannot become its ports, and a
/// stream port cannot take the control socket's place.
/// </summary>
public class RefusalIntegrityTests
{
    [Fact]
    public void OnAFullDisk_EveryMutatingCommandIsRefused_AndNothingChanges()
    {
        using var lab = new SwitchLab();
        string etc = Path.Combine(lab.WorkDir, "etc");
        Directory.CreateDirectory(etc);
        Shell.MustSh($"mount -t tmpfs -o size=256k {lab.Id}-etc {etc}");
        try
        {
            string config = Path.Combine(etc, "vswitch.json");
            lab.Stop();
            lab.Start(configPath: config);
            lab.AddLan(out string pif);
            Shell.MustSh($"for v in v1 v2; do ip -n {lab.SwitchNs} link add {lab.Id}$v type veth peer name " +
                $"{lab.Id}${{v}}p; done");
            foreach (string line in new[]
                     {
                         "addbr xapi1", "addbr xapi2", $"addbr xenbr0 --pif {pif}", "addtap xapi1 tap1",
                         $"addif xapi1 {lab.Id}v1", "addvif xapi1 vif1.0", "addsock xapi1 sock1", "trunk tap1 10",
                         "fdb add xapi1 02:00:00:00:0a:01 tap1",
                     })
                lab.MustCtl(line.Split(' '));
            string tap1 = Uuid(lab, "vif-list", "device=tap1");
            string network = Uuid(lab, "network-list", "bridge=xapi1");
            string pifUuid = Uuid(lab, "pif-list", $"device={pif}");
            Shell.MustSh($"dd if=/dev/zero of={etc}/fill bs=4k 2>/dev/null; true");

            string before = Fingerprint(lab, config);
            foreach (string line in new[]
                     {
                         "addbr br9", $"addbr xapi8 --pif {pif} --vlan 8", "delbr xapi2", $"addif xapi1 {lab.Id}v2",
                         $"delif xapi1 {lab.Id}v1", "addtap xapi1 tap9", "delif xapi1 tap1", "addvif xapi1 vif9.0",
                         "delvif vif1.0", "addsock xapi1 sock9", "trunk tap1 20", "setageing xapi1 10",
                         "fdb add xapi1 02:00:00:00:0a:02 tap1", "fdb del xapi1 02:00:00:00:0a:01",
                         $"network-param-set uuid={network} name-label=lab",
                         $"pif-param-set uuid={pifUuid} other-config:rack=b3",
                         $"pif-reconfigure-ip uuid={pifUuid} mode=static IP=198.18.0.1 netmask=255.255.255.0",
                         $"vif-param-set uuid={tap1} locking-mode=disabled",
                         $"vif-param-add uuid={tap1} param-name=ipv4-allowed param-key=198.18.1.4",
                         "maclimit tap1 8",
                     })
            {
                var result = lab.Ctl(line.Split(' '));
                Assert.False(result.Ok, $"{line} was accepted on a full disk");
                Assert.Contains("No space left on device", result.Error);
                Assert.Contains("nothing was changed", result.Error);
                Assert.Equal(before, Fingerprint(lab, config));
            }

            Shell.MustSh($"rm {etc}/fill");
            lab.MustCtl("addtap", "xapi1", "tap9");
            Assert.Contains("tap9", File.ReadAllText(config));
        }
        finally
        {
            lab.Stop();
            Shell.Sh($"umount -l {etc}");
        }
    }

    private static string Uuid(SwitchLab lab, string list, string filter) =>
        lab.MustCtl(list, filter, "params=uuid").Split(':', 2)[1].Trim();

    /// <summary>What a refusal must leave alone: the switch's view, its kernel devices and addresses, its
    /// stream sockets, and the configuration file byte for byte.</summary>
    private static string Fingerprint(SwitchLab lab, string config)
    {
        var text = new StringBuilder();
        foreach (var command in new[] { "show", "vif-list", "network-list", "pif-list" })
            text.AppendLine(lab.MustCtl(command, "--json"));
        text.AppendLine(lab.MustCtl("showmacs", "xapi1", "--json").Split("\"ageingTimer\"")[0]);
        text.AppendLine(Shell.Sh($"ip -n {lab.SwitchNs} -o link show | awk '{{print $2}}' | sort").Output);
        text.AppendLine(Shell.Sh($"ip -n {lab.SwitchNs} -o -4 addr show").Output);
        text.AppendLine(Shell.Sh($"ls {lab.WorkDir}/streams").Output);
        text.AppendLine(File.ReadAllText(config));
        return text.ToString();
    }

    [Fact]
    public void NamesAreCheckedAsTheKernelsBytes_AndTheSwitchsOwnInterfacesCannotBecomeItsPorts()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.MustCtl("addtap", "xapi1", "tap1");

        Assert.Contains("printable ASCII", lab.Ctl("addbr", "hr-é").Error);
        Assert.Contains("printable ASCII", lab.Ctl("addtap", "xapi1", "hr-ü1").Error);
        Assert.Contains("printable ASCII", lab.Ctl("addif", "xapi1", "hr-ä1").Error);
        Shell.MustSh($"ip -n {lab.SwitchNs} link property add dev tap1 altname {lab.Id}alt && " +
            $"ip -n {lab.SwitchNs} link property add dev xapi1 altname {lab.Id}br");
        Assert.Contains("is tap1, already a port of bridge xapi1", lab.Ctl("addif", "xapi1", $"{lab.Id}alt").Error);
        Assert.Contains("is bridge xapi1's own interface", lab.Ctl("addif", "xapi1", $"{lab.Id}br").Error);

        var links = Shell.Sh($"ip -n {lab.SwitchNs} -o link show").Output;
        Assert.DoesNotContain("hr-", links);
        Assert.Equal(["tap1", "xapi1"], Shell.Sh($"ip -n {lab.SwitchNs} -o link show | awk '{{print $2}}' | " +
            "grep -v '^lo:' | tr -d ':' | sort").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void AStreamPortNamedAsTheControlSocket_LeavesTheControlSocketAlone()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");

        string answer = lab.MustCtl("addsock", "xapi1", "vswitchd");

        Assert.Contains($"{lab.WorkDir}/streams/vswitchd.sock", answer);
        Assert.Contains("vswitchd", lab.MustCtl("show"));
        lab.Stop();
        lab.Start();
        Assert.Contains("vswitchd", lab.MustCtl("show"));
    }
}
