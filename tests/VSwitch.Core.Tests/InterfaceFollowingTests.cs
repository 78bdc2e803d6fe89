using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

/// <summary>
/// Ports follow their interfaces through link events: missing at start, vanishing, coming back, renamed,
/// moved to a guest's namespace and set down there, and their MTU.
/// </summary>
public class InterfaceFollowingTests : IDisposable
{
    private readonly SwitchHarness _lab = new("eth1");

    public void Dispose() => _lab.Dispose();

    private static readonly MacAddress Guest = new(0x0200_0000_0A01UL);

    private SnapshotPort? LinkPort(string name) =>
        _lab.Datapath.Snapshot.Ports.FirstOrDefault(p => p is not null && p.Name == name
            && p.Role == PortRole.PifMember);

    private int CarryingLinks(string bridge) =>
        ((UplinkPort)_lab.Datapath.Snapshot.Ports.First(p => p?.Name == _lab.Controller.Bridge(bridge).Uplink!.Name
            && p.Role == PortRole.Uplink)!.Port).Members.Count;

    private string Show() => _lab.Controller.Read(BrctlFormat.Show);

    /// <summary>A NIC that appears in the daemon's namespace: the factory can open it, and its link event
    /// comes.</summary>
    private FakePort Appear(string name)
    {
        var nic = new FakePort(name, PortKind.Raw);
        _lab.Factory.Existing[name] = nic;
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(nic));
        return nic;
    }

    [Fact]
    public void APifMissingAtStart_IsAbsentWithTheSavedMac_TheBridgeStillSwitches_AndItBindsWhenItAppears()
    {
        _lab.Controller.Restore(new SwitchConfig
        {
            Bridges = [new BridgeConfig { Name = "xenbr0", Pif = "eth9", Mac = "02:00:00:00:ee:01",
                Ports = [new PortConfig { Name = "g1", Kind = PortKind.Tap }] }],
        });
        Assert.Contains("eth9 (absent)", Show());
        Assert.Equal(MacAddress.Parse("02:00:00:00:ee:01"), _lab.Controller.Bridge("xenbr0").Mac);
        Assert.Null(LinkPort("eth9"));
        Assert.Equal(0, CarryingLinks("xenbr0"));
        // The bridge's guests and host interface switch among themselves meanwhile.
        _lab.Receive("g1", TestFrames.Ethernet(MacAddress.Broadcast, Guest));
        Assert.Single(_lab.Port("xenbr0").Sent);

        var nic = Appear("eth9");
        Assert.DoesNotContain("absent", Show());
        Assert.NotNull(LinkPort("eth9"));
        Assert.Equal(1, CarryingLinks("xenbr0"));
        Assert.Contains(_lab.Datapath.Receiving, i => i == LinkPort("eth9")!.Index);

        // Gone again (deleted, or moved away): absent, and closed; back again: bound again.
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Deleted(nic));
        Assert.Contains("eth9 (absent)", Show());
        Assert.True(nic.Disposed);
        Assert.Null(LinkPort("eth9"));
        Appear("eth9");
        Assert.NotNull(LinkPort("eth9"));
    }

    [Fact]
    public void ABondMemberMissingAtStart_IsAbsent_AndWhenItAppearsTheBondTakesItUp()
    {
        _lab.Factory.Existing["eth2"] = new FakePort("eth2", PortKind.Raw);
        _lab.Controller.Restore(new SwitchConfig
        {
            Bonds = [new BondConfig { Name = "bond0", Members = ["eth2", "eth3"], Mode = "balance-slb" }],
            Bridges = [new BridgeConfig { Name = "xenbr1", Pif = "bond0" }],
        });
        string bond = _lab.Controller.BondShow("bond0");
        Assert.Contains("member eth3: disabled\n  link: absent", bond);
        Assert.Equal(1, CarryingLinks("xenbr1"));

        Appear("eth3");
        Assert.Contains("member eth3: enabled\n  link: up", _lab.Controller.BondShow("bond0"));
        Assert.Equal(2, CarryingLinks("xenbr1"));
    }

    [Fact]
    public void AllOfABondsMembersMissing_StillStartsTheSwitch()
    {
        _lab.Controller.Restore(new SwitchConfig
        {
            Bonds = [new BondConfig { Name = "bond0", Members = ["eth7", "eth8"] }],
            Bridges = [new BridgeConfig { Name = "xenbr1", Pif = "bond0" }, new BridgeConfig { Name = "xapi1" }],
        });
        Assert.Contains("active member: <none>", _lab.Controller.BondShow("bond0"));
        Assert.Equal(2, _lab.Controller.Bridges().Count);
    }

    [Fact]
    public void ARenamedRawPort_GoesAbsent_AndBindsToTheNextInterfaceOfItsName()
    {
        _lab.Factory.Existing["veth1"] = new FakePort("veth1", PortKind.Raw);
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddInterface("xapi1", "veth1");
        var veth = _lab.Port("veth1");
        _lab.Receive("veth1", TestFrames.Ethernet(MacAddress.Broadcast, Guest));

        // Same index, new name.
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(veth) with { Name = "renamed" });
        Assert.Contains("veth1 (absent)", Show());
        Assert.True(veth.Disposed);
        Assert.Equal(0, _lab.Controller.Fdb.Lookup(_lab.Controller.Bridge("xapi1").Domain, Guest));

        Appear("veth1");
        Assert.DoesNotContain("absent", Show());
        Assert.Single(_lab.Controller.Bridge("xapi1").Guests);
    }

    [Fact]
    public void AStaticMacOfAPortThatWentAbsent_ComesBackWithIt_AndDelifForgetsIt()
    {
        _lab.Factory.Existing["veth1"] = new FakePort("veth1", PortKind.Raw);
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddInterface("xapi1", "veth1");
        _lab.Controller.FdbAdd("xapi1", Guest.ToString(), "veth1");
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Deleted(_lab.Port("veth1")));
        ushort domain = _lab.Controller.Bridge("xapi1").Domain;
        Assert.Equal(0, _lab.Controller.Fdb.Lookup(domain, Guest));

        Appear("veth1");
        Assert.Equal(_lab.Controller.Bridge("xapi1").Guests.Single().Index, _lab.Controller.Fdb.Lookup(domain, Guest));
        _lab.Controller.DeleteInterface("xapi1", "veth1");
        Assert.Empty(_lab.Controller.Bridge("xapi1").StaticMacs);
    }

    [Fact]
    public void ATapPortMovedToItsGuestsNamespace_IsFollowedThere_AndSetDownThere_FlushesItsMacs()
    {
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddTap("xapi1", "vif1.0", null);
        _lab.Controller.AddTap("xapi1", "vif2.0", null);
        var tap = _lab.Port("vif1.0");
        ushort domain = _lab.Controller.Bridge("xapi1").Domain;
        ushort index = _lab.Controller.Bridge("xapi1").Guests[0].Index;

        // Moved: the daemon's namespace says where to (namespace id 4, index 2 there).
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Deleted(tap, movedTo: new InterfacePlace(4, 2)));
        Assert.DoesNotContain("absent", Show());
        var there = new InterfaceEvent(false, "vif1.0", 2, true, true, 1500, Namespace: 4);
        _lab.Controller.OnInterfaceEvent(there);
        _lab.Receive("vif1.0", TestFrames.Ethernet(MacAddress.Broadcast, Guest));
        Assert.Equal(index, _lab.Controller.Fdb.Lookup(domain, Guest));

        // `ip -n guest link set vif1.0 down`
        _lab.Controller.OnInterfaceEvent(there with { Up = false });
        Assert.Equal(0, _lab.Controller.Fdb.Lookup(domain, Guest));

        // An interface of another namespace with the same name and index is not it.
        _lab.Receive("vif1.0", TestFrames.Ethernet(MacAddress.Broadcast, Guest));
        _lab.Controller.OnInterfaceEvent(there with { Namespace = 5, Up = false });
        Assert.Equal(index, _lab.Controller.Fdb.Lookup(domain, Guest));
    }

    [Fact]
    public void AStaleDownEventOfATapHere_ChangesNothing_ARealOneFlushesItsMacs()
    {
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddTap("xapi1", "tap1", null);
        var tap = _lab.Port("tap1");
        _lab.Receive("tap1", TestFrames.Ethernet(MacAddress.Broadcast, Guest));
        var bridge = _lab.Controller.Bridge("xapi1");
        ushort index = bridge.Guests.Single().Index;

        // A TAP reports itself down as it is made, before it is set up; the event arrives once it is up.
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Down(tap));
        Assert.Equal(index, _lab.Controller.Fdb.Lookup(bridge.Domain, Guest));

        _lab.SetLink("tap1", running: false);
        Assert.Equal(0, (int)_lab.Controller.Fdb.Lookup(bridge.Domain, Guest));
    }

    [Fact]
    public void ATapPortMovedOnFromItsGuestsNamespace_IsFoundAgainByAskingItsDescriptor()
    {
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddTap("xapi1", "vif1.0", null);
        var tap = _lab.Port("vif1.0");
        ushort domain = _lab.Controller.Bridge("xapi1").Domain;
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Deleted(tap, movedTo: new InterfacePlace(4, 2)));
        // From namespace 4 on to namespace 6, renamed eth0 there: namespace 4's id for 6 means nothing here.
        _lab.Controller.OnInterfaceEvent(new InterfaceEvent(true, "vif1.0", 2, false, false, 1500, Namespace: 4,
            MovedTo: new InterfacePlace(1, 9)));
        tap.Now = (6, "eth0");
        _lab.Controller.OnInterfaceEvent(new InterfaceEvent(false, "eth0", 9, true, true, 1500, Namespace: 6));
        _lab.Receive("vif1.0", TestFrames.Ethernet(MacAddress.Broadcast, Guest));
        Assert.NotEqual(0, _lab.Controller.Fdb.Lookup(domain, Guest));

        _lab.Controller.OnInterfaceEvent(new InterfaceEvent(false, "eth0", 9, false, true, 1500, Namespace: 6));
        Assert.Equal(0, _lab.Controller.Fdb.Lookup(domain, Guest));
    }

    [Fact]
    public void APortsMtu_FollowsItsInterface_AndIsWhatTheDatapathHoldsFramesTo()
    {
        _lab.Factory.Existing["veth1"] = new FakePort("veth1", PortKind.Raw);
        _lab.Controller.AddBridge("xapi1", null);
        _lab.Controller.AddInterface("xapi1", "veth1");
        _lab.Controller.AddBridge("xenbr1", "eth1");
        SnapshotPort Published(string name) => _lab.Datapath.Snapshot.Ports.First(p => p?.Name == name
            && p.Role != PortRole.PifMember)!;
        Assert.Equal(1500, Published("veth1").Mtu);

        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(_lab.Port("veth1"), mtu: 9000));
        Assert.Equal(9000, Published("veth1").Mtu);
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(_lab.Port("eth1"), mtu: 4000));
        Assert.Equal(4000, Published("eth1").Mtu);
        Assert.Equal(4000, _lab.Controller.Stats("eth1").Single(s => s.Kind == "pif").Mtu);
        Assert.Equal(9000, _lab.Controller.Stats("veth1").Single().Mtu);
    }

    [Fact]
    public void Stopping_ClosesEveryPortAtOnce_ThroughTheFactory()
    {
        _lab.Controller.AddBridge("xenbr1", "eth1");
        _lab.Controller.AddTap("xenbr1", "vif1.0", null);
        _lab.Controller.Dispose();
        // The NIC's link, the bridge's uplink share of it, the tap port and the bridge's own interface.
        Assert.Equal(["eth1", "eth1", "vif1.0", "xenbr1"], _lab.Factory.ClosedAll.Select(d => d.Name).Order());
        Assert.All(_lab.Factory.Opened.Values, port => Assert.True(port.Disposed));
        Assert.Empty(_lab.Datapath.Receiving);
    }
}
