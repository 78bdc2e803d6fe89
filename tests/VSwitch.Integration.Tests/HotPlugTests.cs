using System.Text.RegularExpressions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Ports;

namespace VSwitch.Integration.Tests;

/// <summary>
/// Interfaces that are missing when the daemon starts, or that vanish and come back while it runs: the
/// switch starts anyway, lists them as absent, and binds to them by itself when they appear (rtnetlink's
/// RTM_NEWLINK with their name). Before, a missing PIF or bond member kept the whole daemon from starting.
/// </summary>
public class HotPlugTests
{
    private static readonly TimeSpan Bind = TimeSpan.FromSeconds(2);

    /// <summary>Restarts the lab's daemon on <paramref name="config"/>.</summary>
    private static void RestartWith(SwitchLab lab, SwitchConfig config)
    {
        Assert.Equal(0, lab.Stop());
        ConfigFile.SaveAtomically(lab.ConfigPath, config);
        lab.Start();
    }

    /// <summary>Moves a tap port's TAP (created at start) into a new guest namespace with an address.</summary>
    private static string Guest(SwitchLab lab, string suffix, string tap, string address)
    {
        string ns = lab.AddNamespace(suffix);
        Shell.MustSh($"ip -n {lab.SwitchNs} link set {tap} netns {ns} && ip -n {ns} addr add {address}/24 dev {tap} " +
            $"&& ip -n {ns} link set {tap} up");
        return ns;
    }

    private static PortConfig Tap(string name) => new() { Name = name, Kind = PortKind.Tap };

    [Fact]
    public void APifMissingAtStart_IsAbsent_TheRestSwitches_AndItBindsWhenItAppears_AndAgainWhenRecreated()
    {
        using var lab = new SwitchLab();
        string pif = $"{lab.Id}eth0";
        RestartWith(lab, new SwitchConfig
        {
            Bridges =
            [
                new BridgeConfig { Name = "xapi1", Ports = [Tap("vif1.0"), Tap("vif2.0")] },
                new BridgeConfig { Name = "xenbr0", Pif = pif, Mac = "02:00:00:00:ee:01", Ports = [Tap("vif3.0")] },
            ],
        });
        string g1 = Guest(lab, "g1", "vif1.0", "198.18.1.1");
        Guest(lab, "g2", "vif2.0", "198.18.1.2");
        string g3 = Guest(lab, "g3", "vif3.0", "198.18.0.3");

        lab.MustPing(g1, "198.18.1.2");
        Assert.Contains($"{pif} (absent)", lab.MustCtl("show", "xenbr0"));
        // With its NIC away the bridge keeps the MAC it had (the NIC's, saved in the config).
        Assert.Contains("8000.02000000ee01", lab.MustCtl("show", "xenbr0"));
        Assert.Contains("currently-attached ( RO): false", lab.MustCtl("pif-list", $"device={pif}"));

        // The NIC appears: the uplink binds within 2 s, and the guest reaches the LAN behind it.
        string lan = lab.AddLan(out _);
        var took = lab.Eventually(() => !lab.MustCtl("show", "xenbr0").Contains("absent"), Bind,
            $"{pif} binds when it appears");
        lab.MustPing(g3, "198.18.0.254");
        Assert.Contains("currently-attached ( RO): true", lab.MustCtl("pif-list", $"device={pif}"));

        // Deleted, it is absent again; re-created, it binds again. (The LAN host keeps its MAC, as a re-plugged
        // NIC's far end does, so the guest's ARP cache stays right.)
        string lanMac = SwitchLab.MacOf(lan, "lan0");
        Shell.MustSh($"ip -n {lab.SwitchNs} link del {pif}");
        lab.Eventually(() => lab.MustCtl("show", "xenbr0").Contains($"{pif} (absent)"), Bind,
            $"{pif} is absent once deleted");
        Shell.MustSh($"ip link add {pif} netns {lab.SwitchNs} type veth peer name lan0 address {lanMac} netns {lan} && " +
                     $"ip -n {lan} addr add 198.18.0.254/24 dev lan0 && ip -n {lan} link set lan0 up");
        lab.Eventually(() => !lab.MustCtl("show", "xenbr0").Contains("absent"), Bind,
            $"{pif} binds when it is re-created");
        lab.MustPing(g3, "198.18.0.254");
        lab.MustPing(g1, "198.18.1.2");
        Console.WriteLine($"pif bound {took.TotalMilliseconds:F0} ms after it appeared");
    }

    [Fact]
    public void ABondMemberMissingAtStart_IsAbsent_TheBondCarriesOnTheOther_AndTheMemberBindsWhenItAppears()
    {
        using var lab = new SwitchLab();
        string up = lab.AddNamespace("up");
        string host = lab.AddNamespace("h");
        string b1 = $"{lab.Id}b1", b2 = $"{lab.Id}b2";
        Shell.MustSh($"ip -n {up} link add br0 type bridge && ip -n {up} link set br0 up && " +
                     $"ip link add {b1} netns {lab.SwitchNs} type veth peer name u1 netns {up} && " +
                     $"ip link add hv netns {up} type veth peer name eth0 netns {host} && " +
                     $"for p in u1 hv; do ip -n {up} link set $p master br0 up; done && " +
                     $"ip -n {host} addr add 198.18.0.254/24 dev eth0 && ip -n {host} link set eth0 up");
        RestartWith(lab, new SwitchConfig
        {
            Bonds = [new BondConfig { Name = "bond0", Members = [b1, b2] }],
            Bridges = [new BridgeConfig { Name = "xenbr1", Pif = "bond0", Ports = [Tap("vif1.0")] }],
        });
        string guest = Guest(lab, "g", "vif1.0", "198.18.0.1");
        lab.Eventually(() => lab.MustCtl("bond", "show", "bond0").Contains($"active member: {b1}"), Bind,
            "the present member carries the bond");
        Assert.Contains("link: absent", lab.MustCtl("bond", "show", "bond0"));
        Assert.Contains("currently-attached ( RO): false", lab.MustCtl("pif-list", $"device={b2}"));
        lab.MustPing(guest, "198.18.0.254");

        Shell.MustSh($"ip link add {b2} netns {lab.SwitchNs} type veth peer name u2 netns {up} && ip -n {up} link set " +
            $"u2 master br0 up");
        lab.Eventually(() => Regex.IsMatch(lab.MustCtl("bond", "show", "bond0"), $@"member {b2}: enabled\s+link: up"),
            Bind, $"{b2} binds and comes up");
        // The member that appeared carries the traffic once the first one's link goes.
        Shell.MustSh($"ip -n {up} link set u1 down");
        lab.Eventually(() => lab.MustCtl("bond", "show", "bond0").Contains($"active member: {b2}"), Bind,
            $"traffic moves to {b2}");
        lab.MustPing(guest, "198.18.0.254");
    }

    [Fact]
    public void ARawPortsInterface_DeletedAndRecreated_CarriesTrafficAgain_WithNoCommand()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        string veth = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out string g2);
        lab.MustPing(g1, "198.18.1.2");

        // The guest comes back with its MAC, as a re-created VM does: g1's ARP cache stays right.
        string mac = SwitchLab.MacOf(g2, "eth0");
        Shell.MustSh($"ip -n {lab.SwitchNs} link del {veth}");
        lab.Eventually(() => lab.MustCtl("show").Contains($"{veth} (absent)"), Bind,
            "the raw port is absent once its veth is deleted");
        Shell.MustSh($"ip link add {veth} netns {lab.SwitchNs} type veth peer name eth0 address {mac} netns {g2} && " +
                     $"ip -n {g2} addr add 198.18.1.2/24 dev eth0 && ip -n {g2} link set eth0 up");
        lab.Eventually(() => !lab.MustCtl("show").Contains("absent"), Bind,
            "the raw port binds to the re-created veth");
        lab.MustPing(g1, "198.18.1.2");
        // Bound again, it is isolated from the host's stack again.
        Assert.Contains("vswitchd-port", Shell.Sh($"tc -n {lab.SwitchNs} filter show dev {veth} ingress").Output);
    }

    [Fact]
    public void AVifsTap_DeletedAndRecreated_CarriesTrafficAgain_WithNoCommand()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        lab.MustCtl("addvif", "xapi1", "vif7.0", "--mac", "02:00:00:00:07:00");
        var guest = lab.StartTapGuest("vif7.0", "02:00:00:00:07:00", "198.18.1.7");
        lab.MustPing(g1, "198.18.1.7");

        // The guest goes away with its TAP (as when a toolstack tears a domain down), then is built again.
        guest.Kill();
        guest.WaitForExit();
        Shell.MustSh($"ip -n {lab.SwitchNs} link del vif7.0");
        lab.Eventually(() => lab.MustCtl("show").Contains("vif7.0 (absent)"), Bind,
            "the VIF is absent once its TAP is deleted");
        Shell.MustSh($"ip -n {lab.SwitchNs} tuntap add vif7.0 mode tap && ip -n {lab.SwitchNs} link set vif7.0 up");
        lab.Eventually(() => !lab.MustCtl("show").Contains("absent"), Bind, "the VIF binds to the re-created TAP");
        lab.StartTapGuest("vif7.0", "02:00:00:00:07:00", "198.18.1.7");
        lab.MustPing(g1, "198.18.1.7");
    }

    [Fact]
    public void ATapPortSetDownInItsGuestsNamespace_FlushesItsMacsWithinOneSecond()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2");
        string mac = SwitchLab.MacOf(g2, "vif2.0");
        Assert.Contains(mac, lab.MustCtl("showmacs", "xapi1"));

        Shell.MustSh($"ip -n {g2} link set vif2.0 down");
        lab.Eventually(() => !lab.MustCtl("showmacs", "xapi1").Contains(mac), TimeSpan.FromSeconds(1),
            "the tap port's MACs are flushed");
        lab.AssertLogged("link down on vif2.0 (xapi1)");
        Shell.MustSh($"ip -n {g2} link set vif2.0 up");
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public void ARenamedInterface_LeavesItsPortAbsent_AndAnInterfaceOfThePortsNameBindsIt()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        string veth = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out string g2);
        lab.MustPing(g1, "198.18.1.2");

        // The kernel renames only an interface that is down.
        Shell.MustSh($"ip -n {lab.SwitchNs} link set {veth} down && ip -n {lab.SwitchNs} link set {veth} name " +
            $"{lab.Id}ren");
        lab.Eventually(() => lab.MustCtl("show").Contains($"{veth} (absent)"), Bind,
            "the renamed interface's port is absent");
        lab.AssertLogged($"interface {veth} was renamed to {lab.Id}ren");
        // The renamed interface is the host's again.
        Assert.DoesNotContain("vswitchd", Shell.Sh($"tc -n {lab.SwitchNs} filter show dev {lab.Id}ren ingress").Output);
        Shell.MustSh($"ip -n {lab.SwitchNs} link set {lab.Id}ren name {veth} && ip -n {lab.SwitchNs} link set {veth} up");
        lab.Eventually(() => !lab.MustCtl("show").Contains("absent"), Bind,
            "the port binds to the interface named as it again");
        lab.MustPing(g1, "198.18.1.2");
    }
}
