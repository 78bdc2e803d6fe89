namespace VSwitch.Integration.Tests;

/// <summary>Frames through the real daemon between real namespaces.</summary>
public class ForwardingTests
{
    [Fact]
    public void Ping_AcrossTapPorts()
    {
        using var lab = new SwitchLab();
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public void Ping_AcrossRawVethPorts()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out _);
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public void TcpTransfer_BetweenTapAndRawPorts_WithDefaultOffloads_ArrivesIntact()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var tapGuest = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var vethGuest);
        var tapGuest2 = lab.AddTapGuest("xapi1", "g3", "vif3.0", "198.18.1.3");

        // The point of the test: nobody turned checksum or segmentation offload off.
        Assert.Matches("tx-checksumming: on", Shell.Sh($"ip netns exec {tapGuest} ethtool -k vif1.0").Output);
        Assert.Matches("tcp-segmentation-offload: on", Shell.Sh($"ip netns exec {vethGuest} ethtool -k eth0").Output);

        const int size = 48 << 20;
        var tapToRaw = Transfer.Run(tapGuest, vethGuest, "198.18.1.2", size, 5001);
        Assert.Equal(tapToRaw.Sent, tapToRaw.Received);
        var rawToTap = Transfer.Run(vethGuest, tapGuest, "198.18.1.1", size, 5002);
        Assert.Equal(rawToTap.Sent, rawToTap.Received);
        var tapToTap = Transfer.Run(tapGuest, tapGuest2, "198.18.1.3", size, 5003);
        Assert.Equal(tapToTap.Sent, tapToTap.Received);
        Assert.StartsWith($"{size} ", tapToRaw.Received);
    }
}

/// <summary>Learning, isolation and moves, checked by the ports' own counters.</summary>
public class LearningTests
{
    [Fact]
    public void UnicastAfterLearning_DoesNotReachAThirdPort()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out _);
        lab.AddTapGuest("xapi1", "g3", "vif3.0", "198.18.1.3");
        lab.MustPing(g1, "198.18.1.2", 2); // ARP done, both MACs learned

        long before = lab.Stats("vif3.0").GetProperty("txPackets").GetInt64();
        Assert.True(lab.Ping(g1, "198.18.1.2", 200, 0.005));
        long after = lab.Stats("vif3.0").GetProperty("txPackets").GetInt64();

        // 400 frames crossed the bridge; the third port may see an ARP refresh at most.
        Assert.True(after - before <= 4, $"third port received {after - before} frames during 200 unicast pings");
        Assert.True(lab.Stats("vif1.0").GetProperty("rxPackets").GetInt64() >= 200);
    }

    [Fact]
    public void Bridges_AreIsolated()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.MustCtl("addbr", "xapi2");
        var a1 = lab.AddTapGuest("xapi1", "a1", "vif1.0", "198.18.1.1");
        lab.AddTapGuest("xapi1", "a2", "vif2.0", "198.18.1.2");
        lab.AddTapGuest("xapi2", "b3", "vif3.0", "198.18.1.3");

        lab.MustPing(a1, "198.18.1.2");
        Assert.False(lab.Ping(a1, "198.18.1.3", 3), "a guest on xapi1 reached a guest on xapi2");
        // The ARP broadcasts for .3 flooded xapi1 only: xapi2's guest port never transmitted a frame.
        Assert.Equal(0, lab.Stats("vif3.0").GetProperty("txPackets").GetInt64());
    }

    [Fact]
    public void MacMove_TrafficFollowsTheFirstFrameFromTheNewPort()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.AddVethGuest("xapi1", "g3", "198.18.1.3", out var g3);
        lab.MustPing(g1, "198.18.1.2");
        string mac = SwitchLab.MacOf(g2, "vif2.0");
        Assert.Matches($"  3\t{mac}\tno", lab.MustCtl("showmacs", "xapi1")); // on vif2.0, port 3

        // "Migrate" the guest: its MAC and address leave vif2.0 and appear behind the veth.
        Shell.MustSh($"ip -n {g2} link set vif2.0 down && ip -n {g3} link set eth0 down && " +
                     $"ip -n {g3} link set eth0 address {mac} && ip -n {g3} addr flush dev eth0 && " +
                     $"ip -n {g3} addr add 198.18.1.2/24 dev eth0 && ip -n {g3} link set eth0 up");
        // One frame from the new port (as a migrated guest's gratuitous ARP) moves the entry.
        Shell.Sh($"ip netns exec {g3} ping -c 1 -W 1 198.18.1.1");
        Assert.Matches($"  4\t{mac}\tno", lab.MustCtl("showmacs", "xapi1"));
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public void LinkLoss_FlushesThePortsLearnedMacs()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        lab.MustPing(g1, "198.18.1.2", 2);
        string mac = SwitchLab.MacOf(g2, "eth0");
        Assert.Contains(mac, lab.MustCtl("showmacs", "xapi1"));

        // The far end goes down: the switch's side of the veth loses carrier.
        Shell.MustSh($"ip -n {g2} link set eth0 down");
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < deadline && lab.MustCtl("showmacs", "xapi1").Contains(mac)) Thread.Sleep(50);
        Assert.DoesNotContain(mac, lab.MustCtl("showmacs", "xapi1"));
        Assert.Contains($"link down on {lab.Id}g2", lab.ReadLog());

        // And the port works again once the link is back.
        Shell.MustSh($"ip -n {g2} link set eth0 up");
        lab.MustPing(g1, "198.18.1.2");
    }

    [Fact]
    public async Task PortRemoval_UnderTraffic_LeavesTheOtherPortsForwarding()
    {
        using var lab = new SwitchLab();
        var (g1, _) = lab.AddTwoTapGuests();
        lab.AddVethGuest("xapi1", "g3", "198.18.1.3", out _);
        var veth = $"{lab.Id}g3";
        lab.MustPing(g1, "198.18.1.3", 2);

        // Traffic to both ports, then the veth's port goes away mid-stream, then the TAP's.
        var toVeth = Task.Run(() => Shell.Sh($"ip netns exec {g1} ping -i 0.002 -c 1500 -W 1 198.18.1.3",
            TimeSpan.FromSeconds(30)));
        var toTap = Task.Run(() => Shell.Sh($"ip netns exec {g1} ping -i 0.002 -c 1500 -W 1 198.18.1.2",
            TimeSpan.FromSeconds(30)));
        await Task.Delay(1000);
        lab.MustCtl("delif", "xapi1", veth);
        await toVeth;
        Assert.DoesNotContain(veth, lab.MustCtl("show"));
        lab.MustCtl("delif", "xapi1", "vif2.0");
        await toTap;

        lab.MustCtl("addtap", "xapi1", "vif4.0");
        var g4 = lab.AddNamespace("g4");
        Shell.MustSh($"ip -n {lab.SwitchNs} link set vif4.0 netns {g4} && ip -n {g4} addr add 198.18.1.4/24 dev " +
            $"vif4.0 && ip -n {g4} link set vif4.0 up");
        lab.MustPing(g1, "198.18.1.4");
        Assert.Equal(1,
            Shell.Sh($"ip -n {lab.SwitchNs} link show {veth} | grep -c PROMISC").ExitCode); // our socket let go of it
    }
}

/// <summary>
/// The receive path of a veth moves an 802.1Q tag out of the frame into skb metadata before AF_PACKET
/// sees it, so a raw port gets it back only through PACKET_AUXDATA. If the switch did not restore it,
/// the frame below would be switched as untagged and flooded; restored, it is a tagged frame on an
/// untagged port and is dropped and counted.
/// </summary>
public class VlanAuxdataTests
{
    private const string SendTagged = """
        import socket, struct, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0))
        src = bytes.fromhex(sys.argv[2].replace(":", ""))
        frame = b"\xff" * 6 + src + struct.pack("!HH", 0x8100, (5 << 13) | 42) + struct.pack("!H", 0x0800) + bytes(46)
        for _ in range(int(sys.argv[3])): s.send(frame)
        """;

    [Fact]
    public void TagStrippedByTheKernel_IsRestored_AndATaggedFrameOnAnUntaggedPortIsDropped()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var veth = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.AddTapGuest("xapi1", "g2", "vif2.0", "198.18.1.2");
        string mac = SwitchLab.MacOf(g1, "eth0");
        long txBefore = lab.Stats("vif2.0").GetProperty("txPackets").GetInt64();

        var sent = Shell.Run("ip", ["netns", "exec", g1, "python3", "-c", SendTagged, "eth0", mac, "20"]);
        Assert.True(sent.Ok, sent.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(3);
        long dropped = 0;
        while (DateTime.UtcNow < deadline && dropped < 20)
        {
            var drops = lab.Stats(veth).GetProperty("dropsByReason");
            dropped = drops.TryGetProperty("vlan_not_allowed", out var n) ? n.GetInt64() : 0;
            Thread.Sleep(50);
        }
        Assert.Equal(20, dropped);
        Assert.Equal(txBefore, lab.Stats("vif2.0").GetProperty("txPackets").GetInt64());
    }
}
