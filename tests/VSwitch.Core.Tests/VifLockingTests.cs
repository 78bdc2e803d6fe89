using System.Net;
using PacketDotNet;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Daemon.Formats;
using EtherType = VSwitch.Core.Frames.EtherType;

namespace VSwitch.Core.Tests;

/// <summary>
/// XenServer's VIF locking through the pipeline: a locked guest sends only from its MAC and allowed addresses
/// (DHCP and ARP probes excepted), a disabled one nothing, and nothing it was refused reaches the FDB or
/// another port. Per-port learned-MAC limits beside it.
/// </summary>
public class VifLockingTests : IDisposable
{
    private static readonly MacAddress Victim = TestFrames.Mac(0x0B);
    private static readonly IPAddress Allowed = IPAddress.Parse("198.18.1.3");
    private static readonly IPAddress Other = IPAddress.Parse("198.18.1.9");
    private static readonly IPAddress Allowed6 = IPAddress.Parse("2001:db8::3");
    private readonly SwitchHarness _lab = new();
    private readonly MacAddress _guest;
    private readonly Bridge _bridge;

    public VifLockingTests()
    {
        _lab.Controller.AddBridge("xapi1", null);
        _guest = _lab.Controller.AddTap("xapi1", "g1", "02:00:00:00:0a:01");
        _lab.Controller.AddTap("xapi1", "g2", Victim.ToString());
        _bridge = _lab.Controller.Bridge("xapi1");
        _lab.Receive("g2", TestFrames.Ethernet(MacAddress.Broadcast, Victim)); // the victim is known on g2
        Lock("g1", "locking-mode=locked", $"ipv4-allowed={Allowed}", $"ipv6-allowed={Allowed6}");
        _lab.ClearSent();
    }

    public void Dispose() => _lab.Dispose();

    private string Uuid(string port) => _bridge.Guests.Single(p => p.Name == port).Uuid;

    private void Lock(string port, params string[] settings) =>
        _lab.Controller.SetVifParams(Uuid(port), settings.Select(s => s.Split('=', 2))
            .Select(kv => new KeyValuePair<string, string>(kv[0], kv[1])).ToList());

    public static TheoryData<string, DropReason> Refused => new()
    {
        { "spoofed source MAC", DropReason.LockedMac },
        { "ARP claiming another guest's address", DropReason.LockedArp },
        { "gratuitous ARP for an address not allowed", DropReason.LockedArp },
        { "ARP with another sender MAC", DropReason.LockedArp },
        { "IPv4 from another address", DropReason.LockedIpv4 },
        { "IPv6 from another address", DropReason.LockedIpv6 },
        { "neighbour advertisement for another address", DropReason.LockedIpv6 },
        { "router advertisement", DropReason.LockedIpv6 },
        { "LLDP", DropReason.LockedProtocol },
        { "a VLAN-tagged frame", DropReason.LockedProtocol },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ALockedGuest_CannotSend(string what, DropReason reason)
    {
        _lab.Receive("g1", Frame(what));

        Assert.Empty(_lab.Port("g2").Sent);
        Assert.Empty(_lab.Port("xapi1").Sent);
        Assert.Equal(1, _lab.Drops("g1", reason));
        Assert.NotEqual(_bridge.Guests.Single(p => p.Name == "g1").Index,
            _lab.Controller.Fdb.Lookup(_bridge.Domain, Victim));
    }

    public static TheoryData<string> Passed => new()
    {
        "IPv4 from its address", "ARP for its address", "an ARP probe", "DHCP discover", "IPv6 from its address",
        "IPv6 from its link-local", "neighbour solicitation for duplicate address detection",
        "neighbour advertisement for its address",
    };

    [Theory]
    [MemberData(nameof(Passed))]
    public void ALockedGuest_StillSendsWhatIsItsOwn(string what)
    {
        _lab.Receive("g1", Frame(what));

        Assert.Single(_lab.Port("g2").Sent);
        Assert.Empty(_lab.Port("g1").Sent);
    }

    [Fact]
    public void ADisabledGuest_SendsNothing_AndIsSentNothing()
    {
        _lab.Receive("g1", Frame("IPv4 from its address")); // g1 is known before it is disabled
        _lab.ClearSent();
        Lock("g1", "locking-mode=disabled");

        _lab.Receive("g1", Frame("IPv4 from its address"));
        _lab.Receive("g2", TestFrames.Ethernet(MacAddress.Broadcast, Victim));
        _lab.Receive("g2", TestFrames.Ethernet(_guest, Victim));

        Assert.Empty(_lab.Port("g1").Sent);
        Assert.Empty(_lab.Port("g2").Sent);
        Assert.Single(_lab.Port("xapi1").Sent); // the broadcast, to everyone else
        Assert.Equal(2, _lab.Drops("g1", DropReason.PortDisabled)); // one from it, one to it
    }

    [Fact]
    public void TheNetworksDefault_DisablesPortsThatFollowIt_NotThoseSetOtherwise()
    {
        var settings = new List<KeyValuePair<string, string>> { new("default-locking-mode", "disabled") };
        _lab.Controller.SetNetworkParams(_bridge.Uuid, settings);
        _lab.Receive("g2", TestFrames.Ethernet(MacAddress.Broadcast, Victim));
        Assert.Equal(1, _lab.Drops("g2", DropReason.PortDisabled));
        Assert.Empty(_lab.Port("g1").Sent); // the locked g1 still takes traffic; nothing came from g2

        _lab.Receive("g1", Udp(_guest, Allowed, Other, 9, 9)); // a broadcast: to all but the disabled g2
        Assert.Empty(_lab.Port("g2").Sent);
        Assert.Single(_lab.Port("xapi1").Sent);
        Assert.Contains("default-locking-mode ( RW): disabled",
            _lab.Controller.Read(b => XeFormat.Text(XeFormat.Select("network-list", XeObjects.Networks(b),
                XeObjects.NetworkFields, []))));
    }

    [Fact]
    public void AnAddedAddress_IsAllowed_ARemovedOneNoLonger()
    {
        _lab.Controller.AddVifAddress(Uuid("g1"), "ipv4-allowed", Other.ToString());
        _lab.Receive("g1", Ipv4(_guest, Other));
        Assert.Single(_lab.Port("g2").Sent);

        _lab.Controller.RemoveVifAddress(Uuid("g1"), "ipv4-allowed", Other.ToString());
        _lab.Receive("g1", Ipv4(_guest, Other));
        Assert.Single(_lab.Port("g2").Sent);
        Assert.Equal(1, _lab.Drops("g1", DropReason.LockedIpv4));
        var vif = _lab.Controller.Read(b => XeFormat.Text(XeFormat.Select("vif-list", XeObjects.Vifs(b),
            XeObjects.VifFields, ["device=g1"])));
        Assert.Contains("locking-mode ( RW): locked", vif);
        Assert.Contains($"ipv4-allowed (SRW): {Allowed}", vif);
        Assert.Contains($"ipv6-allowed (SRW): {Allowed6}", vif);
    }

    [Fact]
    public void ARawPortHasNoMacOfItsOwn_SoItCannotBeLocked()
    {
        _lab.Factory.Existing["veth1"] = new FakePort("veth1", Ports.PortKind.Raw);
        _lab.Controller.AddInterface("xapi1", "veth1");

        var error = Assert.Throws<ConfigException>(() => Lock("veth1", "locking-mode=locked"));

        Assert.Contains("cannot be locked", error.Message);
        Lock("veth1", "locking-mode=disabled");
    }

    [Fact]
    public void LockingIsSaved_AndComesBackWithTheConfiguration()
    {
        var saved = _lab.Saved[^1].Bridges.Single().Ports.Single(p => p.Name == "g1");

        Assert.Equal("locked", saved.LockingMode);
        Assert.Equal([Allowed.ToString()], saved.Ipv4Allowed);
        Assert.Equal([Allowed6.ToString()], saved.Ipv6Allowed);
    }

    [Fact]
    public void AMacLimit_StopsLearningOnThePort_AndCountsTheRefusals()
    {
        _lab.Controller.SetMacLimit("g2", "2");
        for (int n = 1; n <= 5; n++) _lab.Receive("g2", TestFrames.Ethernet(MacAddress.Broadcast, TestFrames.Mac(0x100 + n)));

        var g2 = _bridge.Guests.Single(p => p.Name == "g2");
        Assert.Equal(2, _lab.Controller.Fdb.EntriesOnPort(g2.Index));
        var stats = _lab.Controller.Stats("g2").Single();
        Assert.Equal((2, 4), (stats.MacLimit!.Value, (int)stats.LearningRefused));
        Assert.Equal(5, _lab.Port("g1").Sent.Count); // refused MACs' frames still go
        Assert.Equal(2, _lab.Saved[^1].Bridges.Single().Ports.Single(p => p.Name == "g2").MacLimit);

        _lab.Controller.SetMacLimit("g2", "default");
        Assert.Null(_lab.Saved[^1].Bridges.Single().Ports.Single(p => p.Name == "g2").MacLimit);
    }

    private byte[] Frame(string what) => what switch
    {
        "spoofed source MAC" => Ipv4(TestFrames.Mac(0x66), Allowed),
        "ARP claiming another guest's address" => Arp(_guest, _guest, Other, Allowed),
        "gratuitous ARP for an address not allowed" => Arp(_guest, _guest, Other, Other),
        "ARP with another sender MAC" => Arp(_guest, Victim, Allowed, Other),
        "IPv4 from another address" => Ipv4(_guest, Other),
        "IPv6 from another address" => Icmp6(IPAddress.Parse("2001:db8::99"), 128, null),
        "neighbour advertisement for another address" => Icmp6(Allowed6, 136, IPAddress.Parse("2001:db8::99")),
        "router advertisement" => Icmp6(LinkLocal(), 134, null),
        "LLDP" => TestFrames.Ethernet(MacAddress.Parse("01:80:c2:00:00:0e"), _guest, 46, 0x88CC),
        "a VLAN-tagged frame" => Tagged(Ipv4(_guest, Allowed)),
        "IPv4 from its address" => Ipv4(_guest, Allowed),
        "ARP for its address" => Arp(_guest, _guest, Allowed, Other),
        "an ARP probe" => Arp(_guest, _guest, IPAddress.Any, Other),
        "DHCP discover" => Udp(_guest, IPAddress.Any, IPAddress.Broadcast, 68, 67),
        "IPv6 from its address" => Icmp6(Allowed6, 128, null),
        "IPv6 from its link-local" => Icmp6(LinkLocal(), 128, null),
        "neighbour solicitation for duplicate address detection" => Icmp6(IPAddress.IPv6Any, 135, Allowed6),
        "neighbour advertisement for its address" => Icmp6(Allowed6, 136, Allowed6),
        _ => throw new ArgumentException(what),
    };

    private IPAddress LinkLocal()
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, PortLock.LinkLocal(_guest));
        return new IPAddress(bytes);
    }

    private static byte[] Ipv4(MacAddress source, IPAddress from) => Udp(source, from, Other, 9, 9, Victim);

    private static byte[] Udp(MacAddress source, IPAddress from, IPAddress to, ushort sport, ushort dport,
        MacAddress? destination = null)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = new byte[18] };
        var ip = new IPv4Packet(from, to) { PayloadPacket = udp };
        udp.UpdateCalculatedValues();
        ip.UpdateCalculatedValues();
        return new EthernetPacket(TestFrames.Physical(source), TestFrames.Physical(destination ?? MacAddress.Broadcast),
            EthernetType.IPv4) { PayloadPacket = ip }.Bytes;
    }

    private static byte[] Arp(MacAddress source, MacAddress sender, IPAddress senderIp, IPAddress target)
    {
        var arp = new ArpPacket(ArpOperation.Request, TestFrames.Physical(MacAddress.Broadcast), target,
            TestFrames.Physical(sender), senderIp);
        return new EthernetPacket(TestFrames.Physical(source), TestFrames.Physical(MacAddress.Broadcast),
            EthernetType.Arp) { PayloadPacket = arp }.Bytes;
    }

    /// <summary>An ICMPv6 message of <paramref name="type"/> to all nodes; a neighbour message carries
    /// <paramref name="target"/>.</summary>
    private byte[] Icmp6(IPAddress from, byte type, IPAddress? target)
    {
        var body = new byte[4 + 4 + 16];
        body[0] = type;
        target?.GetAddressBytes().CopyTo(body, 8);
        var ip = new IPv6Packet(from, IPAddress.Parse("ff02::1"))
        {
            NextHeader = ProtocolType.IcmpV6, HopLimit = 255, PayloadData = body,
        };
        ip.PayloadLength = (ushort)body.Length;
        return new EthernetPacket(TestFrames.Physical(_guest), TestFrames.Physical(MacAddress.Parse("33:33:00:00:00:01")),
            EthernetType.IPv6) { PayloadPacket = ip }.Bytes;
    }

    private static byte[] Tagged(byte[] frame)
    {
        var tagged = new byte[frame.Length + 4];
        frame.AsSpan(0, 12).CopyTo(tagged);
        tagged[12] = EtherType.Vlan >> 8;
        tagged[13] = EtherType.Vlan & 0xFF;
        tagged[15] = 5;
        frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
        return tagged;
    }
}
