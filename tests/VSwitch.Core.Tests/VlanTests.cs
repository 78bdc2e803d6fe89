using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

public class VlanTests : IDisposable
{
    private static readonly MacAddress Outside = new(0x5254_00AA_0001UL);
    private readonly SwitchHarness _lab = new("eth1", "eth2");

    public VlanTests()
    {
        _lab.Controller.AddBridge("xenbr1", "eth1");
        _lab.Controller.AddBridge("xapi5", "eth1", 5);
        _lab.Controller.AddBridge("xapi7", "eth1", 7);
        _lab.Controller.AddTap("xenbr1", "g-untagged", null);
        _lab.Controller.AddTap("xapi5", "g-vlan5", null);
        _lab.Controller.AddTap("xapi7", "g-vlan7", null);
        _lab.ClearSent();
    }

    public void Dispose() => _lab.Dispose();

    private List<string> Receivers() => _lab.Factory.Opened.Values.Where(p => p.Sent.Count > 0).Select(p
        => p.Name).Order().ToList();

    [Fact]
    public void VlanBridge_IsShownAsThePseudoPif_AndSharesThePifsMac()
    {
        var bridge = _lab.Controller.Bridge("xapi5");
        Assert.Equal("eth1.5", bridge.Uplink!.Name);
        Assert.Equal(5, bridge.Vlan);
        Assert.Equal(_lab.Port("eth1").Mac, bridge.Mac);
        var pifs = _lab.Controller.Read((bridges, pifs) => XeObjects.Pifs(bridges, pifs));
        var record = pifs.Single(r => r.Fields.Any(f => f.Name == "device" && f.Value == "eth1.5"));
        Assert.Equal("5", record.Fields.Single(f => f.Name == "VLAN").Value);
        Assert.Equal("-1", pifs.Single(r => r.Fields.Any(f => f.Name == "device" && f.Value == "eth1")).Fields.Single(f
            => f.Name == "VLAN").Value);
    }

    [Fact]
    public void TaggedFrameFromTheUplink_ReachesOnlyItsVlansBridge_Untagged()
    {
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(5))),
            onLink: true);

        Assert.Equal(["g-vlan5", "xapi5"], Receivers());
        var delivered = Assert.Single(_lab.Port("g-vlan5").Sent);
        Assert.Empty(Tagged.Tags(delivered));
        Assert.Equal(TestFrames.Ethernet(MacAddress.Broadcast, Outside), delivered);
    }

    [Fact]
    public void UntaggedAndPriorityTaggedFramesFromTheUplink_ReachTheUntaggedBridge()
    {
        _lab.Receive("eth1", TestFrames.Ethernet(MacAddress.Broadcast, Outside), onLink: true);
        Assert.Equal(["g-untagged", "xenbr1"], Receivers());

        _lab.ClearSent();
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(0, pcp: 5))),
            onLink: true);
        Assert.Equal(["g-untagged", "xenbr1"], Receivers());
        Assert.Empty(Tagged.Tags(_lab.Port("g-untagged").Sent.Single()));
    }

    [Fact]
    public void UnknownVlanFromTheUplink_IsDroppedAndCounted()
    {
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(9))),
            onLink: true);
        Assert.Empty(Receivers());
        Assert.Equal(1, _lab.Drops("eth1", DropReason.UnknownVlan, onLink: true));
    }

    [Fact]
    public void GuestFrames_LeaveThePifTaggedWithTheirBridgesVlan()
    {
        var guest = _lab.Port("g-vlan7").Mac;
        _lab.Receive("g-vlan7", TestFrames.Ethernet(MacAddress.Broadcast, guest));

        var wire = Assert.Single(_lab.Port("eth1").Sent);
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(7))], Tagged.Tags(wire));
        Assert.Equal(["eth1", "xapi7"], Receivers());

        // The untagged bridge's frames leave untagged.
        _lab.ClearSent();
        _lab.Receive("g-untagged", TestFrames.Ethernet(MacAddress.Broadcast, _lab.Port("g-untagged").Mac));
        Assert.Empty(Tagged.Tags(_lab.Port("eth1").Sent.Single()));
    }

    [Fact]
    public void ReplyToALearnedOutsideHost_GoesBackThroughThePifWithTheTag()
    {
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(5))),
            onLink: true);
        _lab.ClearSent();
        _lab.Receive("g-vlan5", TestFrames.Ethernet(Outside, _lab.Port("g-vlan5").Mac));
        Assert.Equal(["eth1"], Receivers());
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(5))], Tagged.Tags(_lab.Port("eth1").Sent.Single()));
    }

    [Fact]
    public void TaggedFrameFromAnAccessGuest_IsDroppedAndCounted()
    {
        _lab.Receive("g-vlan5", Tagged.Frame(MacAddress.Broadcast, _lab.Port("g-vlan5").Mac, (EtherType.Vlan,
            Tagged.Tci(100))));
        Assert.Empty(Receivers());
        Assert.Equal(1, _lab.Drops("g-vlan5", DropReason.VlanNotAllowed));
    }

    [Fact]
    public void TrunkGuest_OnAVlanNetwork_StacksItsTagUnderThePifs_AndPriorityAndDeiSurvive()
    {
        _lab.Controller.AddTap("xapi5", "g-trunk", null);
        _lab.Controller.SetTrunks("g-trunk", "100-101");
        var trunk = _lab.Port("g-trunk").Mac;

        // Out: the guest's own tag (VLAN 100, priority 5, drop eligible) stays inside; the outer tag copies its
        // priority.
        _lab.Receive("g-trunk", Tagged.Frame(MacAddress.Broadcast, trunk, (EtherType.Vlan, Tagged.Tci(100, 5, true))));
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(5, 5, true)), (EtherType.Vlan, Tagged.Tci(100, 5, true))],
            Tagged.Tags(_lab.Port("eth1").Sent.Single()));
        Assert.Empty(_lab.Port("g-vlan5").Sent); // an access guest never sees a tagged frame

        // In: outer tag off, inner tag untouched, delivered to the trunk guest only.
        _lab.ClearSent();
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(5, 6)),
            (EtherType.Vlan, Tagged.Tci(101, 3, true))), onLink: true);
        Assert.Equal(["g-trunk"], Receivers());
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(101, 3, true))], Tagged.Tags(_lab.Port("g-trunk").Sent.Single()));

        // A VLAN outside the trunk list is refused from the guest.
        _lab.Receive("g-trunk", Tagged.Frame(MacAddress.Broadcast, trunk, (EtherType.Vlan, Tagged.Tci(102))));
        Assert.Equal(1, _lab.Drops("g-trunk", DropReason.VlanNotAllowed));
    }

    [Fact]
    public void StackedServiceTag_InsideAVlanNetwork_CrossesUnchanged()
    {
        _lab.Controller.AddTap("xapi5", "g-trunk", null);
        _lab.Controller.SetTrunks("g-trunk", "300");
        _lab.ClearSent();
        var frame = Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(5)), (EtherType.QinQ,
            Tagged.Tci(300, 2)), (EtherType.Vlan, Tagged.Tci(42)));
        _lab.Receive("eth1", frame, onLink: true);
        var delivered = _lab.Port("g-trunk").Sent.Single();
        Assert.Equal([(EtherType.QinQ, Tagged.Tci(300, 2)), (EtherType.Vlan, Tagged.Tci(42))], Tagged.Tags(delivered));
        Assert.Equal(frame.AsSpan(16).ToArray(), delivered.AsSpan(12).ToArray());
    }

    [Fact]
    public void TrunkGuest_OnTheUntaggedBridge_GetsTheVlansNoVlanNetworkClaims()
    {
        _lab.Controller.AddTap("xenbr1", "g-trunk", null);
        _lab.Controller.SetTrunks("g-trunk", "5,20");
        _lab.ClearSent();
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(20))),
            onLink: true);
        Assert.Equal(["g-trunk"], Receivers());
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(20))], Tagged.Tags(_lab.Port("g-trunk").Sent.Single()));

        // VLAN 5 belongs to xapi5, whatever the trunk list says.
        _lab.ClearSent();
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(5))),
            onLink: true);
        Assert.Equal(["g-vlan5", "xapi5"], Receivers());
    }

    [Theory]
    [InlineData(0, "VLAN 0 is out of range (1–4094)")]
    [InlineData(4095, "VLAN 4095 is out of range (1–4094)")]
    [InlineData(5, "VLAN 5 on pif eth1 is already bridge xapi5")]
    public void BadVlan_IsRefused_AndChangesNothing(int vlan, string expected)
    {
        int saved = _lab.Saved.Count;
        var error = Assert.Throws<ConfigException>(() => _lab.Controller.AddBridge("xapi9", "eth1", vlan));
        Assert.Contains(expected, error.Message);
        Assert.Equal(saved, _lab.Saved.Count);
        Assert.Equal(3, _lab.Controller.Bridges().Count);
    }

    [Fact]
    public void InternalVlanNetwork_SecondUntaggedBridge_AndThePifAsAPort_AreRefused()
    {
        Assert.Contains("internal networks have no VLANs", Assert.Throws<ConfigException>(()
            => _lab.Controller.AddBridge("xapi9", null, 9)).Message);
        Assert.Contains("already carries the untagged network xenbr1", Assert.Throws<ConfigException>(()
            => _lab.Controller.AddBridge("xenbr9", "eth1")).Message);
        Assert.Contains("eth1 is the pif of", Assert.Throws<ConfigException>(() => _lab.Controller.AddInterface("xapi5",
            "eth1")).Message);
        Assert.Contains("bad VLAN", "bad VLAN " + Assert.Throws<ConfigException>(()
            => _lab.Controller.SetTrunks("g-vlan5", "5,4095")).Message);
        Assert.Contains("4095 is out of range", Assert.Throws<ConfigException>(()
            => _lab.Controller.SetTrunks("g-vlan5", "5,4095")).Message);
    }

    [Fact]
    public void SharedPif_ClosesOnlyWithItsLastBridge()
    {
        _lab.Controller.DeleteBridge("xenbr1", force: true);
        _lab.Controller.DeleteBridge("xapi5", force: true);
        Assert.False(_lab.Port("eth1").Disposed);
        _lab.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(7))),
            onLink: true);
        Assert.Single(_lab.Port("g-vlan7").Sent);
        _lab.Controller.DeleteBridge("xapi7", force: true);
        Assert.True(_lab.Port("eth1").Disposed);
        Assert.DoesNotContain(_lab.Datapath.Snapshot.Ports, p => p?.Name == "eth1");
    }

    [Fact]
    public void VlanBridgesAndTrunks_AreRestoredFromTheConfig()
    {
        _lab.Controller.SetTrunks("g-vlan7", "10,12-14");
        string path = Path.Combine(Path.GetTempPath(), $"vswitch-vlan-{Guid.NewGuid():N}.json");
        ConfigFile.SaveAtomically(path, _lab.Saved.Last());
        var config = ConfigFile.Load(path);
        File.Delete(path);
        Assert.Equal(5, config.Bridges.Single(b => b.Name == "xapi5").Vlan);
        Assert.Null(config.Bridges.Single(b => b.Name == "xenbr1").Vlan);
        Assert.Equal("10,12-14", config.Bridges.Single(b => b.Name == "xapi7").Ports.Single().Trunks);

        using var restarted = new SwitchHarness("eth1", "eth2");
        foreach (var b in config.Bridges) foreach (var p in b.Ports) restarted.Factory.Existing.Remove(p.Name);
        restarted.Controller.Restore(config);
        restarted.Receive("eth1", Tagged.Frame(MacAddress.Broadcast, Outside, (EtherType.Vlan, Tagged.Tci(7))),
            onLink: true);
        Assert.Single(restarted.Port("g-vlan7").Sent);
        Assert.Equal("10,12-14", restarted.Controller.CurrentConfig().Bridges.Single(b
            => b.Name == "xapi7").Ports.Single().Trunks);
    }
}
