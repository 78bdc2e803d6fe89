using System.Buffers.Binary;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Tests;

/// <summary>
/// Two rules of 802.1Q and the kernel bridge at the edges of the frame path: a priority tag (VLAN ID 0) is an
/// untagged frame with a priority, and a frame larger than an egress port's MTU is dropped there.
/// </summary>
public class PriorityTagAndMtuTests : IDisposable
{
    private static readonly MacAddress Guest = new(0x0200_0000_0B01UL);
    private readonly SwitchHarness _lab = new("eth1");

    public PriorityTagAndMtuTests()
    {
        _lab.Controller.AddBridge("xenbr1", "eth1");
        _lab.Controller.AddBridge("xapi5", "eth1", 5);
        _lab.Controller.AddTap("xapi5", "g5", null);
        _lab.Controller.AddTap("xapi5", "h5", null);
        _lab.Controller.AddTap("xenbr1", "g0", null);
        _lab.ClearSent();
    }

    public void Dispose() => _lab.Dispose();

    [Fact]
    public void APriorityTaggedFrameFromAGuest_IsSwitchedUntagged_AndAVlanUplinkTagsItWithItsPriority()
    {
        _lab.Receive("g5", Tagged.Frame(MacAddress.Broadcast, Guest, (EtherType.Vlan, Tagged.Tci(0, pcp: 5,
            dei: true))));

        Assert.Equal(0, _lab.Drops("g5", DropReason.VlanNotAllowed));
        Assert.Equal(TestFrames.Ethernet(MacAddress.Broadcast, Guest), _lab.Port("h5").Sent.Single());
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(5, pcp: 5, dei: true))],
            Tagged.Tags(_lab.Port("eth1").Sent.Single()));
    }

    [Fact]
    public void APriorityTagAroundAGuestsOwnTag_LeavesTheInnerTagToTheTrunkRules()
    {
        _lab.Receive("g5", Tagged.Frame(MacAddress.Broadcast, Guest, (EtherType.Vlan, Tagged.Tci(0, pcp: 2)),
            (EtherType.Vlan, Tagged.Tci(100))));
        Assert.Equal(1, _lab.Drops("g5", DropReason.VlanNotAllowed));

        _lab.Controller.SetTrunks("g5", "100");
        _lab.Receive("g5", Tagged.Frame(MacAddress.Broadcast, Guest, (EtherType.Vlan, Tagged.Tci(0, pcp: 2)),
            (EtherType.Vlan, Tagged.Tci(100, pcp: 1))));
        // The uplink's tag copies the priority of the tag the frame still carries (its own).
        Assert.Equal([(EtherType.Vlan, Tagged.Tci(5, pcp: 1)), (EtherType.Vlan, Tagged.Tci(100, pcp: 1))],
            Tagged.Tags(_lab.Port("eth1").Sent.Single()));
    }

    [Fact]
    public void TrunkVlan0_IsRefusedWithTheReason()
    {
        var error = Assert.Throws<ConfigException>(() => _lab.Controller.SetTrunks("g5", "0,100"));
        Assert.Contains("VLAN 0 is a priority tag", error.Message);
    }

    /// <summary>A broadcast frame whose L3 payload is <paramref name="payload"/> bytes.</summary>
    private static byte[] OfPayload(int payload) => TestFrames.Ethernet(MacAddress.Broadcast, Guest, payload);

    [Fact]
    public void AFrameLargerThanAPortsMtu_IsDroppedThereAndCounted_AndStillFloodsToTheOthers()
    {
        var h5 = _lab.Port("h5");
        h5.Mtu = 1500;
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(h5, mtu: 1400));

        _lab.Receive("g5", OfPayload(1400));
        Assert.Single(h5.Sent);
        _lab.Receive("g5", OfPayload(1401));
        Assert.Single(h5.Sent);
        Assert.Equal(1, _lab.Drops("h5", DropReason.MtuExceeded));
        // The uplink (1500) and the bridge's interface still get it.
        Assert.Equal(2, _lab.Port("eth1").Sent.Count);
        Assert.Equal(2, _lab.Port("xapi5").Sent.Count);
        // A VLAN uplink's tag is not part of the MTU: 1500 bytes of payload leave it tagged.
        _lab.Receive("g5", OfPayload(1500));
        Assert.Equal(3, _lab.Port("eth1").Sent.Count);
    }

    [Fact]
    public void ATsoFrame_IsHeldToItsSegmentsSize_NotToItsOwn()
    {
        _lab.Controller.OnInterfaceEvent(InterfaceEvents.Up(_lab.Port("h5"), mtu: 1500));
        var unicastTo = new MacAddress(0x0200_0000_0B02UL);
        _lab.Receive("h5", TestFrames.Ethernet(MacAddress.Broadcast, unicastTo));
        _lab.ClearSent();

        // A 30,000-byte TCP frame to be cut into 1,448-byte segments: 20 bytes of IPv4 and 32 of TCP (with
        // timestamps) each, so every segment's payload is 1,500. The kernel puts the linear part's length
        // in hdr_len (here all of it); the checksum's start says where the TCP header is.
        var frame = TestFrames.Ethernet(unicastTo, Guest, 30_000);
        frame[34 + 12] = 8 << 4; // TCP data offset: 32 bytes
        var tso = new PacketOffload
        {
            Flags = PacketOffload.NeedsChecksum, GsoType = PacketOffload.GsoTcpV4, HeaderLength = 30_014, GsoSize = 1448,
            ChecksumStart = 34, ChecksumOffset = 16,
        };
        _lab.Receive("g5", frame, offload: tso);
        Assert.Single(_lab.Port("h5").Sent);

        // Segments of 1,449 bytes do not fit.
        _lab.Receive("g5", frame, offload: tso with { GsoSize = 1449 });
        Assert.Single(_lab.Port("h5").Sent);
        Assert.Equal(1, _lab.Drops("h5", DropReason.MtuExceeded));
    }
}
