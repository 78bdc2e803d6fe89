using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// VLAN networks against an independent 802.1Q implementation: Open vSwitch's userspace datapath is the
/// upstream physical switch, with a trunk port on VSwitch's uplink and access ports for VLAN 5, VLAN 7 and
/// untagged, each into its own namespace. All hosts and guests share one subnet, so any leak between VLANs
/// would answer ARP and pings.
/// </summary>
public class VlanInteropTests
{
    [Fact]
    public void GuestsOnEachVlanNetwork_ReachOnlyTheHostInTheirVlan_ThroughOpenVswitch()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out string upstream);
        string g5 = lab.AddTapGuest("xapi5", "g5", $"{lab.Id}g5", "198.18.0.5");
        string g7 = lab.AddTapGuest("xapi7", "g7", $"{lab.Id}g7", "198.18.0.7");
        string g0 = lab.AddTapGuest("xenbr1", "g0", $"{lab.Id}g0", "198.18.0.1");

        lab.MustPing(g5, "198.18.0.105");
        lab.MustPing(g7, "198.18.0.107");
        lab.MustPing(g0, "198.18.0.100");
        foreach (var (guest, other) in new[] { (g5, "198.18.0.107"), (g5, "198.18.0.100"), (g5, "198.18.0.7"), (g5,
            "198.18.0.1"),
                                                (g7, "198.18.0.105"), (g7, "198.18.0.100"), (g0, "198.18.0.105"), (g0,
                                                    "198.18.0.5") })
            Assert.False(lab.Ping(guest, other, count: 2, interval: 0.1), $"{guest} reached {other} across VLANs");

        var pifs = lab.MustCtl("pif-list", "params=device,VLAN,bridge");
        Assert.Contains($"device ( RO): {lab.Id}eth1.5", pifs);
        Assert.Matches(new Regex($@"device \( RO\): {lab.Id}eth1\.7\s+VLAN \( RO\): 7"), pifs);
        Assert.Contains($"{lab.Id}eth1.5", lab.MustCtl("show", "xapi5"));
        Assert.True(lab.Stats("xapi5").GetProperty("rxPackets").GetInt64() > 0);
    }

    [Fact]
    public void TheTrunkCarriesTheRightTags_PriorityIncluded_AndStackedTagsCrossUnchanged()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out string upstream);
        string g5 = lab.AddTapGuest("xapi5", "g5", $"{lab.Id}g5", "198.18.0.5");
        // A trunk-mode guest on VLAN 5 with a VLAN 100 sub-interface of its own (made by scapy: no 8021q module here).
        string gt = lab.AddTapGuest("xapi5", "gt", $"{lab.Id}gt", "198.18.0.6");
        // It takes VLAN 100 (its own) and 802.1ad service VLAN 300: a trunk list names the outermost tag a guest sees.
        lab.MustCtl("trunk", $"{lab.Id}gt", "100,300");
        // Behind OVS, a trunk port carrying VLAN 5 to a namespace that sends and sees the stacked frames.
        string ht = lab.AddNamespace("ht");
        Shell.MustSh($"ip link add a-ht netns {upstream} type veth peer name eth0 netns {ht} && ip -n {upstream} link " +
            $"set a-ht up && ip -n {ht} link set eth0 up");
        ovs.Vsctl("add-port", "br0", "a-ht", "--", "set", "port", "a-ht", "trunks=5");

        using var trunkCapture = Tcpdump.Start(upstream, "trunk0", "vlan");
        using var hostCapture = Tcpdump.Start(ht, "eth0", "vlan");
        lab.MustPing(g5, "198.18.0.105");
        // The guest's own tag: VLAN 100, priority 5, drop eligible; it goes out inside VLAN 5 with the priority copied
        // outward.
        Scapy.Send(gt, $"{lab.Id}gt",
            "Ether(dst='ff:ff:ff:ff:ff:ff')/Dot1Q(vlan=100,prio=5,id=1)/IP(dst='198.18.0.250')/UDP(dport=9)/Raw(b'up')");
        using var guestCapture = Tcpdump.Start(gt, $"{lab.Id}gt", "vlan");
        // From behind OVS: VLAN 5 (priority 6) around an 802.1ad tag 300 around VLAN 100 (priority 3).
        Scapy.Send(ht, "eth0",
            "Ether(dst='ff:ff:ff:ff:ff:ff',src='02:00:00:00:aa:01')/Dot1Q(vlan=5,prio=6)/Dot1AD(vlan=300,prio=2)/Dot1Q(vlan=100,prio=3)/IP(dst='198.18.0.6')/UDP(dport=9)/Raw(b'down')");

        string trunk = trunkCapture.Stop();
        string host = hostCapture.Stop();
        string guest = guestCapture.Stop();
        // Echo requests and replies of the VLAN 5 guest carry tag 5, priority 0.
        Assert.Matches(new Regex(@"vlan 5, p 0, ethertype IPv4.*ICMP echo request"), trunk);
        Assert.Matches(new Regex(@"vlan 5, p 0, ethertype IPv4.*ICMP echo reply"), trunk);
        Assert.DoesNotMatch(new Regex(@"vlan 7"), trunk);
        // The trunk guest's frame: outer VLAN 5 with its priority 5 (and DEI), inner VLAN 100 untouched.
        Assert.Matches(new Regex(@"vlan 5, p 5, DEI, ethertype 802\.1Q[^,]*, vlan 100, p 5, DEI, ethertype IPv4"),
            trunk);
        // Through OVS the priority survives; OVS itself clears the outer DEI bit, so only the inner tag is checked
        // whole.
        Assert.Matches(new Regex(@"vlan 5, p 5, (DEI, )?ethertype 802\.1Q[^,]*, vlan 100, p 5, DEI"), host);
        // The stacked frame reached the trunk guest with only VLAN 5 taken off.
        Assert.Matches(new Regex(@"vlan 300, p 2, ethertype 802\.1Q[^,]*, vlan 100, p 3, ethertype IPv4.*198\.18\.0\.6"), guest);
    }

    /// <summary>
    /// Reads the pif the way vswitchd does (AF_PACKET with PACKET_AUXDATA) for 4 s and prints, per frame, the
    /// EtherType in the frame's bytes and the tag the kernel reported beside them.
    /// </summary>
    private const string AuxdataProbe = """
        import socket, struct, time
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((IFACE, 0))
        s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
        s.settimeout(0.2)
        open(READY, "w").close()  # bound: the test may send now
        end = time.time() + 4
        while time.time() < end:
            try:
                data, ancillary, flags, address = s.recvmsg(65535, 1024)
            except socket.timeout:
                continue
            if address[2] == socket.PACKET_OUTGOING:
                continue
            for level, kind, value in ancillary:
                if level == 263 and kind == 8:
                    status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", value[:20])
                    print("type=%04x valid=%d vlan=%d" % (struct.unpack("!H", data[12:14])[0], (status >> 4) & 1, tci & 0xfff), flush=True)
        """;

    [Fact]
    public async Task TagStrippedByTheKernel_ArrivesInAuxdata_AndIsStillDemultiplexed()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out _);
        string g5 = lab.AddTapGuest("xapi5", "g5", $"{lab.Id}g5", "198.18.0.5");
        string script = Path.Combine(lab.WorkDir, "auxdata.py");
        string ready = Path.Combine(lab.WorkDir, "auxdata.ready");
        File.WriteAllText(script, $"IFACE = '{lab.Id}eth1'\nREADY = '{ready}'\n" + AuxdataProbe);
        var probe = Task.Run(() => Shell.Run("ip", ["netns", "exec", lab.SwitchNs, "python3", script],
            TimeSpan.FromSeconds(20)));
        // Ping only once the probe's socket is bound: a loaded machine can take longer than any fixed sleep
        // to start python, and a ping sent before would pass unseen.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(ready) && !probe.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(File.Exists(ready), "the auxdata probe did not start: " + (probe.IsCompleted
            ? (await probe).ToString() : "still starting after 10 s"));
        lab.MustPing(lab.Namespace("h5"), "198.18.0.5");
        var seen = await probe;
        Assert.True(seen.Ok, seen.ToString());
        // OVS sent the tags inline; the receiving veth moved them out of band, where only PACKET_AUXDATA shows them.
        Assert.Contains("type=0800 valid=1 vlan=5", seen.Output);
        Assert.DoesNotContain("type=8100", seen.Output);
    }

    [Fact]
    public void UnknownVlanFromTheTrunk_IsDroppedAndCounted()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out string upstream);
        string g5 = lab.AddTapGuest("xapi5", "g5", $"{lab.Id}g5", "198.18.0.5");
        lab.MustPing(g5, "198.18.0.105", count: 1);
        // VLAN 100 is on OVS's trunk list but no bridge here carries it.
        string h100 = lab.AddNamespace("h100");
        Shell.MustSh($"ip link add a-h100 netns {upstream} type veth peer name eth0 netns {h100} && ip -n {upstream} " +
            $"link set a-h100 up && " +
                     $"ip -n {h100} addr add 198.18.0.200/24 dev eth0 && ip -n {h100} link set eth0 up");
        ovs.Vsctl("add-port", "br0", "a-h100", "--", "set", "port", "a-h100", "tag=100");
        Assert.False(lab.Ping(h100, "198.18.0.5", count: 3, interval: 0.1));
        // The pif's link is where the wire's frames are counted, before they are sorted into bridges.
        var link = System.Text.Json.JsonDocument.Parse(lab.MustCtl("stats", $"{lab.Id}eth1", "--json")).RootElement
            .EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "link");
        Assert.True(link.GetProperty("dropsByReason").GetProperty("unknown_vlan").GetInt64() >= 3, link.ToString());
    }

    /// <summary>
    /// A priority tag (VLAN ID 0, what hosts with 802.1p on send) from a guest: 802.1Q makes it an untagged
    /// frame with a priority. The guest on a VLAN network is answered, and its echo request leaves the trunk
    /// tagged with the network's VLAN and the guest's priority; on the untagged network it is answered too.
    /// Before, such frames were dropped as vlan_not_allowed.
    /// </summary>
    [Fact]
    public void APriorityTaggedFrameFromAGuest_IsAnswered_AndLeavesAVlanUplinkWithItsVlanAndPriority()
    {
        using var lab = new SwitchLab();
        using var ovs = OvsVlanLab.Build(lab, out string upstream);
        string g5 = lab.AddTapGuest("xapi5", "g5", $"{lab.Id}g5", "198.18.0.5");
        string g0 = lab.AddTapGuest("xenbr1", "g0", $"{lab.Id}g0", "198.18.0.1");
        lab.MustPing(g5, "198.18.0.105", count: 1);
        lab.MustPing(g0, "198.18.0.100", count: 1);
        string Mac(string ns, string address) => Regex.Match(Shell.Sh($"ip -n {ns} neigh show {address}").Output,
            @"lladdr (\S+)").Groups[1].Value;
        string h5Mac = Mac(g5, "198.18.0.105"), h0Mac = Mac(g0, "198.18.0.100");

        using var trunk = Tcpdump.Start(upstream, "trunk0", "icmp or (vlan and icmp)");
        using var replies5 = Tcpdump.Start(g5, $"{lab.Id}g5", "icmp");
        using var replies0 = Tcpdump.Start(g0, $"{lab.Id}g0", "icmp");
        Scapy.Send(g5, $"{lab.Id}g5",
            $"Ether(dst='{h5Mac}')/Dot1Q(vlan=0,prio=5)/IP(src='198.18.0.5',dst='198.18.0.105')/ICMP(id=0x4242,seq=7)");
        Scapy.Send(g0, $"{lab.Id}g0",
            $"Ether(dst='{h0Mac}')/Dot1Q(vlan=0,prio=3)/IP(src='198.18.0.1',dst='198.18.0.100')/ICMP(id=0x4243,seq=8)");

        string onTrunk = trunk.Stop();
        Assert.Matches(new Regex(@"vlan 5, p 5, ethertype IPv4[^\n]*198\.18\.0\.5 > 198\.18\.0\.105: ICMP echo " +
            @"request, id 16962, seq 7"), onTrunk);
        Assert.Matches(new Regex(@"198\.18\.0\.105 > 198\.18\.0\.5: ICMP echo reply, id 16962, seq 7"),
            replies5.Stop());
        // The untagged network's frame leaves untagged (the priority tag came off) and is answered as well.
        string untagged = onTrunk.Split('\n').Single(line => line.Contains("ICMP echo request, id 16963, seq 8"));
        Assert.DoesNotContain("vlan", untagged);
        Assert.Matches(new Regex(@"198\.18\.0\.100 > 198\.18\.0\.1: ICMP echo reply, id 16963, seq 8"),
            replies0.Stop());
        Assert.False(lab.Stats($"{lab.Id}g5").GetProperty("dropsByReason").TryGetProperty("vlan_not_allowed", out _));
    }
}
