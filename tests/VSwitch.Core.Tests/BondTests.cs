using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

public class BondTests : IDisposable
{
    private static readonly MacAddress Outside = new(0x5254_00AA_0001UL);
    private readonly SwitchHarness _lab = new("eth1", "eth2", "eth3", "veth9");

    public void Dispose() => _lab.Dispose();

    private void ActiveBackupLab(string? primary = null, int updelay = 0, int downdelay = 0)
    {
        _lab.Controller.AddBond("bond0", ["eth1", "eth2"], null, null, primary, updelay, downdelay);
        _lab.Controller.AddBridge("xenbr1", "bond0");
        _lab.Controller.AddBridge("xapi5", "bond0", 5);
        _lab.Controller.AddTap("xenbr1", "g1", null);
        _lab.Controller.AddTap("xapi5", "g5", null);
        _lab.ClearSent();
    }

    [Fact]
    public void Bond_TakesTheFirstMembersMac_UnlessGivenOne()
    {
        ActiveBackupLab();
        Assert.Equal(_lab.Port("eth1").Mac, _lab.Controller.Bridge("xenbr1").Mac);
        Assert.Equal(_lab.Port("eth1").Mac, _lab.Controller.Bridge("xapi5").Mac);
        Assert.Equal("bond0.5", _lab.Controller.Bridge("xapi5").Uplink!.Name);

        _lab.Controller.AddBond("bond1", ["eth3", "veth9"], "balance-slb", "02:00:00:00:0b:01", null, 0, 0);
        _lab.Controller.AddBridge("xenbr2", "bond1");
        Assert.Equal(MacAddress.Parse("02:00:00:00:0b:01"), _lab.Controller.Bridge("xenbr2").Mac);
    }

    [Fact]
    public void ActiveBackup_SendsOnTheActiveLinkOnly_AndDropsWhatTheStandbyReceives()
    {
        ActiveBackupLab();
        _lab.Receive("g1", TestFrames.Ethernet(MacAddress.Broadcast, _lab.Port("g1").Mac));
        Assert.Single(_lab.Port("eth1").Sent);
        Assert.Empty(_lab.Port("eth2").Sent);

        // The upstream switch floods to both links: only the active one's copy gets in.
        _lab.ClearSent();
        _lab.Receive("eth2", TestFrames.Ethernet(MacAddress.Broadcast, Outside), onLink: true);
        Assert.Empty(_lab.Port("g1").Sent);
        Assert.Equal(1, _lab.Drops("eth2", DropReason.BondStandby, onLink: true));
        _lab.Receive("eth1", TestFrames.Ethernet(MacAddress.Broadcast, Outside), onLink: true);
        Assert.Single(_lab.Port("g1").Sent);
    }

    [Fact]
    public void ActiveLinkDown_FailsOverAtOnce_AndReannouncesEveryLocalMacOnTheNewLink()
    {
        ActiveBackupLab();
        _lab.Controller.ReconfigurePifIp(_lab.Controller.Bridge("xenbr1").Uplink!.Uuid, "static", "192.0.2.10",
            "255.255.255.0");
        var g1 = _lab.Port("g1").Mac;
        var g5 = _lab.Port("g5").Mac;
        _lab.Receive("g1", TestFrames.Ethernet(MacAddress.Broadcast, g1));
        _lab.Receive("g5", TestFrames.Ethernet(MacAddress.Broadcast, g5));
        _lab.ClearSent();

        _lab.SetLink("eth1", false);

        var eth2 = _lab.Port("eth2").Sent;
        Assert.Empty(_lab.Port("eth1").Sent);
        // xenbr1: a gratuitous ARP for the bridge's own address (it has an IP), a RARP for its guest.
        var garp = eth2.Single(f => MacAddress.Read(f.AsSpan(6)) == _lab.Controller.Bridge("xenbr1").Mac
            && Tagged.Tags(f).Count == 0);
        Assert.Equal(LearningFrames.GratuitousArp(_lab.Controller.Bridge("xenbr1").Mac,
            System.Net.IPAddress.Parse("192.0.2.10")), garp);
        Assert.Contains(LearningFrames.Rarp(g1), eth2);
        // xapi5: its announcements carry VLAN 5, so the upstream switch learns them in that VLAN.
        var rarp5 = eth2.Single(f => MacAddress.Read(f.AsSpan(6)) == g5);
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(5))], Tagged.Tags(rarp5));
        Assert.Equal(EtherType.Rarp, (ushort)(rarp5[16] << 8 | rarp5[17]));

        _lab.ClearSent();
        _lab.Receive("g1", TestFrames.Ethernet(Outside, g1));
        Assert.Single(_lab.Port("eth2").Sent);
        Assert.Empty(_lab.Port("eth1").Sent);
        var show = _lab.Controller.BondShow("bond0");
        Assert.Contains("active member: eth2", show);
        Assert.Contains("failovers: 1", show);
        Assert.Contains("member eth1: disabled", show);
        Assert.Contains("link: down since", show);
    }

    [Fact]
    public void GuestWhoseIpIsKnownFromItsArp_IsAnnouncedWithAGratuitousArp()
    {
        ActiveBackupLab();
        var g1 = _lab.Port("g1").Mac;
        var request = new PacketDotNet.EthernetPacket(TestFrames.Physical(g1),
            TestFrames.Physical(MacAddress.Broadcast), PacketDotNet.EthernetType.Arp)
        {
            PayloadPacket = new PacketDotNet.ArpPacket(PacketDotNet.ArpOperation.Request,
                TestFrames.Physical(MacAddress.Zero),
                System.Net.IPAddress.Parse("198.18.0.9"), TestFrames.Physical(g1), System.Net.IPAddress.Parse("198.18.0.7")),
        };
        _lab.Receive("g1", request.Bytes);
        // An ARP that claims someone else's hardware address teaches nothing.
        var proxied = new PacketDotNet.EthernetPacket(TestFrames.Physical(_lab.Port("g5").Mac),
            TestFrames.Physical(MacAddress.Broadcast), PacketDotNet.EthernetType.Arp)
        {
            PayloadPacket = new PacketDotNet.ArpPacket(PacketDotNet.ArpOperation.Request,
                TestFrames.Physical(MacAddress.Zero),
                System.Net.IPAddress.Parse("198.18.0.9"), TestFrames.Physical(TestFrames.Mac(77)), System.Net.IPAddress.Parse("198.18.0.77")),
        };
        _lab.Receive("g5", proxied.Bytes);
        _lab.ClearSent();

        _lab.SetLink("eth1", false);

        var sent = _lab.Port("eth2").Sent;
        Assert.Contains(LearningFrames.GratuitousArp(g1, System.Net.IPAddress.Parse("198.18.0.7")), sent);
        var g5Announcement = sent.Single(f => MacAddress.Read(f.AsSpan(6)) == _lab.Port("g5").Mac);
        Assert.Equal(EtherType.Rarp, (ushort)(g5Announcement[16] << 8 | g5Announcement[17]));
    }

    [Fact]
    public void Primary_TakesTrafficBackWhenItReturns_AfterUpdelay()
    {
        ActiveBackupLab(primary: "eth1", updelay: 150);
        _lab.SetLink("eth1", false);
        Assert.Contains("active member: eth2", _lab.Controller.BondShow("bond0"));

        _lab.SetLink("eth1", true);
        // Carrier alone is not enough: the link waits updelay before it may carry traffic again.
        Assert.Contains("active member: eth2", _lab.Controller.BondShow("bond0"));
        Assert.Contains("waiting for updelay", _lab.Controller.BondShow("bond0"));
        Assert.True(SpinWait.SpinUntil(() => _lab.Controller.BondShow("bond0").Contains("active member: eth1"),
            TimeSpan.FromSeconds(5)));
        Assert.Contains("failovers: 2", _lab.Controller.BondShow("bond0"));
    }

    [Fact]
    public void WithoutPrimary_AReturningLinkDoesNotTakeTrafficBack()
    {
        ActiveBackupLab();
        _lab.SetLink("eth1", false);
        _lab.SetLink("eth1", true);
        Assert.Contains("active member: eth2", _lab.Controller.BondShow("bond0"));
        Assert.Contains("failovers: 1", _lab.Controller.BondShow("bond0"));
    }

    [Fact]
    public void StaleLinkEvent_ChangesNothing()
    {
        ActiveBackupLab();
        // The event says down, but the interface is up again by the time it is read.
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Down(_lab.Port("eth1")));
        Assert.Contains("active member: eth1", _lab.Controller.BondShow("bond0"));
        Assert.Contains("failovers: 0", _lab.Controller.BondShow("bond0"));
    }

    [Fact]
    public void WithEveryLinkDown_TheFirstToReturnCarriesTrafficAtOnce_DespiteUpdelay()
    {
        ActiveBackupLab(updelay: 10_000);
        _lab.SetLink("eth1", false);
        _lab.SetLink("eth2", false);
        Assert.Contains("active member: <none>", _lab.Controller.BondShow("bond0"));
        _lab.SetLink("eth2", true);
        Assert.Contains("active member: eth2", _lab.Controller.BondShow("bond0"));
    }

    [Fact]
    public void Downdelay_KeepsAFlappingLinkActive()
    {
        ActiveBackupLab(downdelay: 10_000);
        _lab.SetLink("eth1", false);
        _lab.SetLink("eth1", true);
        Assert.Contains("active member: eth1", _lab.Controller.BondShow("bond0"));
        Assert.Contains("failovers: 0", _lab.Controller.BondShow("bond0"));
    }

    [Fact]
    public void BalanceSlb_SpreadsGuestsOverTheLinks_AndMovesThemWhenALinkFails()
    {
        _lab.Controller.AddBond("bond0", ["eth1", "eth2"], "balance-slb", null, null, 0, 0);
        _lab.Controller.AddBridge("xenbr1", "bond0");
        // Two guests whose MACs hash to different links.
        var macs = Enumerable.Range(1, 64).Select(TestFrames.Mac).ToList();
        var a = macs.First(m => UplinkPort.MemberFor(m, 2) == 0);
        var b = macs.First(m => UplinkPort.MemberFor(m, 2) == 1);
        _lab.Controller.AddTap("xenbr1", "ga", a.ToString());
        _lab.Controller.AddTap("xenbr1", "gb", b.ToString());
        _lab.ClearSent();

        _lab.Receive("ga", TestFrames.Ethernet(Outside, a));
        _lab.Receive("gb", TestFrames.Ethernet(Outside, b));
        Assert.Equal(a, MacAddress.Read(_lab.Port("eth1").Sent.Single().AsSpan(6)));
        Assert.Equal(b, MacAddress.Read(_lab.Port("eth2").Sent.Single().AsSpan(6)));

        _lab.SetLink("eth1", false);
        _lab.ClearSent();
        _lab.Receive("ga", TestFrames.Ethernet(Outside, a));
        _lab.Receive("gb", TestFrames.Ethernet(Outside, b));
        Assert.Empty(_lab.Port("eth1").Sent);
        Assert.Equal(2, _lab.Port("eth2").Sent.Count);
    }

    [Fact]
    public void BalanceSlb_TakesFloodsOnOneLink_AndDropsItsOwnFramesReflectedBack()
    {
        _lab.Controller.AddBond("bond0", ["eth1", "eth2"], "balance-slb", null, null, 0, 0);
        _lab.Controller.AddBridge("xenbr1", "bond0");
        _lab.Controller.AddTap("xenbr1", "g1", null);
        var g1 = _lab.Port("g1").Mac;
        _lab.Receive("g1", TestFrames.Ethernet(MacAddress.Broadcast, g1));
        _lab.ClearSent();

        _lab.Receive("eth2", TestFrames.Ethernet(MacAddress.Broadcast, Outside), onLink: true);
        Assert.Empty(_lab.Port("g1").Sent);
        Assert.Equal(1, _lab.Drops("eth2", DropReason.BondStandby, onLink: true));
        // Unicast is taken on any link (each upstream MAC arrives where the upstream switch sends it).
        _lab.Receive("eth2", TestFrames.Ethernet(g1, Outside), onLink: true);
        Assert.Single(_lab.Port("g1").Sent);

        // g1's own broadcast, flooded back by the upstream switch: dropped, and g1 stays learned on its port.
        _lab.ClearSent();
        _lab.Receive("eth1", TestFrames.Ethernet(MacAddress.Broadcast, g1), onLink: true);
        Assert.Empty(_lab.Port("g1").Sent);
        Assert.Equal(1, _lab.Drops("eth1", DropReason.BondReflection, onLink: true));
        var bridge = _lab.Controller.Bridge("xenbr1");
        Assert.Equal(bridge.FindPort("g1")!.Index, _lab.Controller.Fdb.Lookup(bridge.Domain, g1));
    }

    [Theory]
    [InlineData(new[] { "eth1" }, null, null, "needs at least two members")]
    [InlineData(new[] { "eth1", "eth1" }, null, null, "a member is named twice")]
    [InlineData(new[] { "eth1", "nope0" }, null, null, "member nope0 does not exist")]
    [InlineData(new[] { "eth1", "eth2" }, "balance-tcp", null,
        "bond mode 'balance-tcp' is not one of active-backup, balance-slb")]
    [InlineData(new[] { "eth1", "eth2" }, null, "eth3", "primary eth3 is not one of its members")]
    public void BadBond_IsRefused_AndOpensNothing(string[] members, string? mode, string? primary, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => _lab.Controller.AddBond("bond0", members, mode, null, primary,
            0, 0));
        Assert.Contains(expected, error.Message);
        Assert.Empty(_lab.Factory.Opened);
        Assert.Empty(_lab.Saved);
    }

    [Fact]
    public void BondMembers_MustBeFree()
    {
        _lab.Controller.AddBridge("xenbr1", "eth1");
        Assert.Contains("eth1 is the pif of xenbr1", Assert.Throws<ConfigException>(()
            => _lab.Controller.AddBond("bond0", ["eth1", "eth2"], null, null, null, 0, 0)).Message);
        _lab.Factory.WithAddress.Add("eth2");
        Assert.Contains("member eth2 has an IP address", Assert.Throws<ConfigException>(()
            => _lab.Controller.AddBond("bond0", ["eth2", "eth3"], null, null, null, 0, 0)).Message);

        _lab.Controller.AddBond("bond0", ["eth3", "veth9"], null, null, null, 0, 0);
        _lab.Controller.AddBridge("xapi1", null);
        Assert.Contains("eth3 is a member of bond bond0", Assert.Throws<ConfigException>(()
            => _lab.Controller.AddInterface("xapi1", "eth3")).Message);
        _lab.Controller.AddBridge("xenbr2", "bond0");
        Assert.Contains("bond bond0 is the pif of xenbr2", Assert.Throws<ConfigException>(()
            => _lab.Controller.DeleteBond("bond0")).Message);
        _lab.Controller.DeleteBridge("xenbr2", force: false);
        _lab.Controller.DeleteBond("bond0");
        Assert.True(_lab.Port("eth3").Disposed);
        Assert.True(_lab.Port("veth9").Disposed);
    }

    [Fact]
    public void Bond_IsPersisted_AndRestoredWithItsMembersLinkState()
    {
        ActiveBackupLab(primary: "eth2", updelay: 100, downdelay: 50);
        var saved = _lab.Saved.Last();
        var bond = Assert.Single(saved.Bonds);
        Assert.Equal(["eth1", "eth2"], bond.Members);
        Assert.Equal(("active-backup", "eth2", 100, 50), (bond.Mode, bond.Primary, bond.UpdelayMs, bond.DowndelayMs));
        Assert.Equal(2, bond.MemberUuids.Count);

        using var restarted = new SwitchHarness("eth1", "eth2", "eth3", "veth9");
        restarted.Factory.Down.Add("eth2");
        restarted.Controller.Restore(saved);
        Assert.Contains("active member: eth1", restarted.Controller.BondShow("bond0"));
        Assert.Contains("member eth2: disabled", restarted.Controller.BondShow("bond0"));
        var pifs = restarted.Controller.Read((bridges, pifs) => XeObjects.Pifs(bridges, pifs));
        Assert.Equal(2, pifs.Count(r => r.Fields.Any(f => f.Name == "bond-slave-of" && f.Value == bond.Uuid)));
        Assert.Equal(2, pifs.Count(r => r.Fields.Any(f => f.Name == "bond-master-of" && f.Value == bond.Uuid)));
    }
}
