using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// End to end with real guests: QEMU (TCG; KVM does not work on this kind of machine) booting Debian's
/// kernel with busybox, on VIFs made by vswitchctl addvif, with QEMU's default offloads (vnet header,
/// partial checksums, TSO).
/// </summary>
public class QemuGuestTests
{
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(90);

    [Fact]
    public void TwoGuestsOnAnInternalNetwork_PingAndMoveFourMegabytesOverTcpIntact()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string first = lab.MustCtl("addvif", "xapi1", "vif1.0").Trim();
        string second = lab.MustCtl("addvif", "xapi1", "vif2.0").Trim();

        string senderLog = QemuGuest.TransferChecked(lab, first, second);
        Assert.Contains("3 packets received", senderLog);
        // The guests' TSO frames crossed whole: far fewer frames than 1500-byte segments would need.
        Assert.True(lab.Stats("vif2.0").GetProperty("rxPackets").GetInt64() < 4194304 / 1448, lab.MustCtl("stats",
            "vif2.0"));
    }

    [Fact]
    public void GuestOnAnExternalNetwork_ReachesAHostOutside()
    {
        using var lab = new SwitchLab();
        lab.AddLan(out string pif);
        lab.MustCtl("addbr", "xenbr0", "--pif", pif);
        using var guest = QemuGuest.Start(lab, "vm1", lab.MustCtl("addvif", "xenbr0", "vif1.0").Trim(),
            "198.18.0.11/24",
            run: "ping -c 3 198.18.0.254");
        Assert.Equal(0, guest.WaitForExit(Run));
    }

    [Fact]
    public void GuestOnAVlanNetwork_ReachesOnlyTheHostInItsVlan()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out _);
        using var guest = QemuGuest.Start(lab, "vm5", lab.MustCtl("addvif", "xapi5", "vif5.0").Trim(), "198.18.0.5/24",
            run: "ping -c 3 198.18.0.105 && ! ping -c 2 -W 1 198.18.0.107 && ! ping -c 2 -W 1 198.18.0.100");
        Assert.True(guest.WaitForExit(Run) == 0, guest.Log);
    }

    /// <summary>
    /// XenMotion's last moment: the guest stops on one port and its MAC reappears on another, announced by a
    /// gratuitous ARP. The source is a QEMU guest on vif1.0; the destination half is a namespace on another
    /// port with the same MAC and IP. A host pings the guest every 10 ms throughout.
    /// </summary>
    [Fact]
    public async Task MigrationDrill_PingsContinueAcrossTheMove_AndTheFdbMovesOnTheFirstFrame()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string vif = lab.MustCtl("addvif", "xapi1", "vif1.0").Trim();
        string mac = Regex.Match(vif, "mac=([0-9a-f:]{17})").Groups[1].Value;
        string watcher = lab.AddTapGuest("xapi1", "watch", $"{lab.Id}w", "198.18.1.100");
        using var source = QemuGuest.Start(lab, "vm1", vif, "198.18.1.50/24");
        source.WaitUntilUp();
        lab.MustPing(watcher, "198.18.1.50");

        // The destination: a port whose endpoint has the guest's MAC and IP, still down.
        string destination = lab.AddNamespace("dest");
        string port = $"{lab.Id}d";
        lab.MustCtl("addtap", "xapi1", port, "--mac", mac);
        Shell.MustSh($"ip -n {lab.SwitchNs} link set {port} netns {destination} && ip -n {destination} addr add " +
            $"198.18.1.50/24 dev {port}");

        var pings = Task.Run(() => Shell.Sh($"ip netns exec {watcher} ping -D -n -i 0.01 -c 400 -W 1 198.18.1.50",
            TimeSpan.FromSeconds(30)));
        Thread.Sleep(1000);
        source.Kill();
        Shell.MustSh($"ip -n {destination} link set {port} up && ip netns exec {destination} arping -U -c 1 -w 1 -I " +
            $"{port} 198.18.1.50");
        // One gratuitous ARP later, the FDB points at the new port.
        var macs = lab.MustCtl("showmacs", "xapi1");
        var entry = System.Text.Json.JsonDocument.Parse(lab.MustCtl("showmacs", "xapi1",
            "--json")).RootElement.EnumerateArray()
            .Single(e => e.GetProperty("mac").GetString() == mac);
        Assert.True(entry.GetProperty("port").GetString() == port, macs);

        var result = await pings;
        var times = Regex.Matches(result.Output, @"^\[([0-9.]+)\] \d+ bytes from", RegexOptions.Multiline)
            .Select(x => double.Parse(x.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        double gap = times.Zip(times.Skip(1), (a, b) => b - a).Max();
        Console.WriteLine($"migration drill: pings stopped for {gap * 1000:F0} ms");
        Assert.True(times.Count > 200, $"pings did not continue after the move:\n{result.Output}");
        Assert.True(times.Last() - times.First() > 3.0, "the replies did not span the move");
        Assert.True(gap < 2.0, $"the guest was unreachable for {gap:F2} s after the move\n{macs}");
    }
}
