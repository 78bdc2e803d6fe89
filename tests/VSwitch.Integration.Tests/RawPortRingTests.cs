namespace VSwitch.Integration.Tests;

/// <summary>
/// Raw ports receive through a TPACKET_V2 ring of 2 KB slots; a frame that does not fit a slot comes
/// through the socket's queue instead. These check that the ring is really there (a port that fell back
/// to recvmmsg would pass every forwarding test), that it goes with its port, and that frames on both
/// sides of the slot size cross.
/// </summary>
public class RawPortRingTests
{
    [Fact]
    public void EachRawPort_MapsOneReceiveRing_AndItsRemovalUnmapsIt()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var veth1 = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out _);
        lab.MustPing(g1, "198.18.1.2");

        var rings = SocketMappings(lab.DaemonPid);
        Assert.Equal(2, rings.Count);
        Assert.All(rings, ring => Assert.Equal(8L << 20, ring.Bytes));

        lab.MustCtl("delif", "xapi1", veth1);
        Assert.Single(SocketMappings(lab.DaemonPid));
    }

    [Fact]
    public void FramesOnBothSidesOfTheSlotSize_CrossRawPorts()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var veth1 = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        var veth2 = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        foreach (var (ns, device) in new[] { (g1, "eth0"), (g2, "eth0"), (lab.SwitchNs, veth1), (lab.SwitchNs, veth2) })
            Shell.MustSh($"ip -n {ns} link set {device} mtu 9000");

        // A 2,048-byte slot holds the ring's header and the virtio-net header before the frame, which
        // begins at byte 76: room for 1,972 bytes of frame, an ICMP payload of 1,930 (+ 28 of IP and
        // ICMP + 14 of Ethernet). From 1,931 on, frames come whole through the socket's queue.
        foreach (int payload in new[] { 1400, 1900, 1930, 1931, 2100, 4000, 8972 })
        {
            var ping = Shell.Sh($"ip netns exec {g1} ping -M do -s {payload} -c 3 -i 0.05 -W 2 198.18.1.2",
                TimeSpan.FromSeconds(20));
            Assert.True(ping.Ok, $"{payload}-byte pings did not cross: {ping}\n{lab.MustCtl("stats")}");
        }
        Assert.False(lab.Stats(veth1).GetProperty("dropsByReason").TryGetProperty("truncated", out _));
    }

    [Fact]
    public void TheFirstFrameToARawPortAddedWhileItsLinkWasDown_IsNotLost()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        var g1 = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        // The switch's end of a new veth is down when addif binds the socket to it (the port brings
        // it up after), which leaves ENETDOWN pending on the socket.
        var veth = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out _);
        Thread.Sleep(500);

        // One ping, waiting 1 s: ARP sends its request again only after 1 s, so a lost first broadcast fails it.
        var ping = Shell.Sh($"ip netns exec {g1} ping -c 1 -W 1 198.18.1.2", TimeSpan.FromSeconds(10));
        Assert.True(ping.Ok, $"the first ping did not cross: {ping}\n{lab.MustCtl("stats")}");
        Assert.Equal(0, lab.Stats(veth).GetProperty("txDropped").GetInt64());
    }

    /// <summary>
    /// Epoll reports a socket with a pending error (ENETDOWN from binding while down, or from the link
    /// going down) ready on every wait, and the ring never reads the error: a port nothing was sent to
    /// kept its worker spinning, 37 % of a core after addif and all of one after a flap (2026-11-27).
    /// The port takes its bind's error when it opens, and the worker takes a flap's when epoll reports it.
    /// </summary>
    [Fact]
    public void ARawPortsPendingSocketError_DoesNotKeepItsWorkerAwake()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        // Alone on its bridge, with a guest that sends nothing (no IPv6): no frame is ever sent to it.
        var veth = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out _);
        AssertIdle(lab, "after addif");

        Shell.MustSh($"ip -n {lab.SwitchNs} link set {veth} down && ip -n {lab.SwitchNs} link set {veth} up");
        AssertIdle(lab, "after its link went down and up");
    }

    private static void AssertIdle(SwitchLab lab, string when)
    {
        long used = ProcStat.IdleTicks(lab.DaemonPid);
        Assert.True(used <= 20, $"{when}, vswitchd used {used} clock ticks of CPU in 2 s with no traffic");
    }

    [Fact]
    public void WithTheRingOff_RawPortsReceiveWithRecvmmsg_AndCarryPingsAndABulkTransfer()
    {
        using var lab = new SwitchLab(["--raw-ring", "off"]);
        lab.MustCtl("addbr", "xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        lab.MustPing(g1, "198.18.1.2");
        Assert.Empty(SocketMappings(lab.DaemonPid));

        // 64 KB GSO frames and their ACKs: recvmmsg is what a kernel without the ring uses for every frame.
        var (sent, received) = Transfer.Run(g1, g2, "198.18.1.2", 32 << 20);
        Assert.Equal(sent, received);
    }

    /// <summary>
    /// Frames the kernel drops because a raw port's ring (or, without one, its socket's queue) is full never
    /// reach the switch; they are counted from PACKET_STATISTICS as rx_queue_full, with no later frame
    /// needed to bring the count in (KernelDropDrill).
    /// </summary>
    [Theory]
    [InlineData("on", 10_000)]
    [InlineData("off", 60_000)]
    public void FramesTheKernelDropsForAFullRing_AreCountedAsRxQueueFull(string ring, int burst)
    {
        using var lab = new SwitchLab(["--raw-ring", ring]);
        lab.MustCtl("addbr", "xapi1");
        var veth = lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        KernelDropDrill.Quieten(lab, g1, "eth0", g2, "eth0");

        // A veth counts every frame the guest sent, whatever became of it on the switch's side.
        var outcome = KernelDropDrill.Run(lab, veth, g1, "eth0", burst, () => KernelDropDrill.DeviceCounter(g1, "eth0",
            "tx_packets"));

        Assert.True(outcome.SentByGuest == burst,
            $"the guest sent {outcome.SentByGuest} frames, not just the burst of {burst}");
        Assert.Equal(outcome.SentByGuest, outcome.Received + outcome.Dropped);
        Assert.True(outcome.Dropped > 0, "no drop counted");
        // 4,096 slots: at most that many frames fitted while the daemon was stopped.
        if (ring == "on") Assert.True(outcome.Dropped >= burst - 4096,
            $"{outcome.Dropped} counted, but {burst - 4096} or more must have been dropped");
        // ifconfig's column: frames dropped on receive, not malformed ones.
        Assert.Equal(outcome.Dropped, outcome.RxDropped);
    }

    /// <summary>The daemon's shared mappings of a socket (only an AF_PACKET ring maps one), with their sizes.</summary>
    private static List<(string Socket, long Bytes)> SocketMappings(int pid) =>
        File.ReadAllLines($"/proc/{pid}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].StartsWith("socket:[") && fields[1].Contains('s'))
            .Select(fields =>
            {
                var range = fields[0].Split('-');
                return (fields[5], Convert.ToInt64(range[1], 16) - Convert.ToInt64(range[0], 16));
            })
            .ToList();
}
