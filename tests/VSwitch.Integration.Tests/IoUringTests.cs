namespace VSwitch.Integration.Tests;

/// <summary>
/// TAP ports are read and written a batch per system call through one io_uring per worker (on by
/// default), and raw ports write batches of bulk data through it. The frames must come out whole and in
/// order whichever way they went, and where the kernel refuses io_uring the daemon says why and uses
/// read() and write().
/// </summary>
public class IoUringTests
{
    // Sends numbered UDP datagrams as fast as it can; the receiver prints how many came and whether in order.
    private const string Receiver = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind(("0.0.0.0", 9999)); s.settimeout(5)
        seen, last, disorder = 0, -1, 0
        try:
            while True:
                n = int.from_bytes(s.recv(2048)[:4], "big"); seen += 1
                if n <= last: disorder += 1
                last = n
        except socket.timeout:
            pass
        print(seen, disorder)
        """;

    private const string Sender = """
        import socket, sys, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        time.sleep(1)  # the receiver binds meanwhile
        for n in range(int(sys.argv[2])): s.sendto(n.to_bytes(4, "big") + bytes(int(sys.argv[3])), (sys.argv[1], 9999))
        """;

    [Fact]
    public void ByDefault_TapPortsUseIoUring_AndABurstArrivesInOrder_AndABulkTransferWhole()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.AssertLogged("TAP I/O through io_uring into registered buffers");
        // Each with its worker's batch registered.
        AssertRings(lab, registeredBuffers: 1);

        AssertCarriesBurstAndTransfer(lab, g1, g2);
        Assert.Equal(0, lab.Stats("vif2.0").GetProperty("txErrors").GetInt64());
    }

    [Fact]
    public void WithIoUringOff_TapPortsUseReadAndWrite_AndCarryTheSameTraffic()
    {
        using var lab = new SwitchLab(["--io-uring", "off"]);
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.AssertLogged("TAP I/O by read() and write()");
        Assert.Equal(0, RingCount(lab.DaemonPid));

        AssertCarriesBurstAndTransfer(lab, g1, g2);
    }

    [Fact]
    public void WhenTheKernelRefusesIoUring_TheDaemonSaysWhy_AndUsesReadAndWrite()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        // The sysctl is the machine's: the tests run one at a time (xunit.runner.json), and it is put back.
        string before = File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim();
        try
        {
            File.WriteAllText("/proc/sys/kernel/io_uring_disabled", "2");
            lab.Start();
        }
        finally
        {
            File.WriteAllText("/proc/sys/kernel/io_uring_disabled", before);
        }
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2");
        lab.AssertLogged("io_uring refused (io_uring_setup: EPERM");
        lab.AssertLogged("TAP I/O by read() and write()");
        Assert.Equal(0, RingCount(lab.DaemonPid));
    }

    [Fact]
    public void WhenTheKernelRefusesToRegisterTheBatches_TheDaemonSaysWhy_AndStillUsesIoUring()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        // Without CAP_IPC_LOCK the pinned pages count against RLIMIT_MEMLOCK, and 64 KiB cannot hold a
        // worker's batch (2 MiB).
        lab.Start(wrapper: ["prlimit", "--memlock=65536", "setpriv", "--bounding-set=-ipc_lock", "--"]);
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.AssertLogged("io_uring refused to register the workers' batch buffers (io_uring_register(BUFFERS): ENOMEM");
        lab.AssertLogged("TAP I/O through io_uring,");
        AssertRings(lab, registeredBuffers: 0);

        AssertCarriesBurstAndTransfer(lab, g1, g2);
    }

    /// <summary>
    /// Raw ports write a batch that carries bulk data through the worker's ring, and batches of small
    /// frames by sendmmsg (RingWrites, RawPort.Transmit). The lab has veth guests only, so the ring's
    /// submissions are the raw ports' writes: none for a burst of 60-byte frames, some for a burst of
    /// 1,442-byte frames and a TCP transfer, which must arrive in order and whole as by sendmmsg.
    /// </summary>
    [Fact]
    public void RawPorts_WriteBatchesCarryingBulkDataThroughTheRing_AndSmallFramesBySendmmsg()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        var veth2 = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);

        long before = RingSubmissions(lab.DaemonPid);
        AssertBurstInOrder(lab, g1, g2, payload: 14);
        Assert.Equal(before, RingSubmissions(lab.DaemonPid));

        AssertBurstInOrder(lab, g1, g2, payload: 1396);
        var (sent, received) = Transfer.Run(g1, g2, "198.18.1.2", 32 << 20);
        Assert.Equal(sent, received);
        long after = RingSubmissions(lab.DaemonPid);
        Assert.True(after > before,
            $"no write went through the ring (SqTail {before} -> {after})\n{lab.MustCtl("stats")}");
        Assert.Equal(0, lab.Stats(veth2).GetProperty("txErrors").GetInt64());
    }

    /// <summary>
    /// A raw port's socket is bound while its link is down, which leaves ENETDOWN pending on it: a send
    /// that reads it loses its frame. Through the ring, where the frame can only be sent again after the
    /// rest of its batch, that is also a frame out of order, so the port takes the error when it opens.
    /// Broadcasts need no ARP, so the burst's frames are the first the switch sends to g2's port, as one
    /// batch through the ring: all of them must arrive, in order.
    /// </summary>
    [Fact]
    public async Task RawPorts_TheFirstBulkBurstToANewPort_ArrivesWholeAndInOrder()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        lab.AddVethGuest("xapi1", "g1", "198.18.1.1", out var g1);
        var veth2 = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out var g2);
        Thread.Sleep(500);

        long before = RingSubmissions(lab.DaemonPid);
        var receiver = StartReceiver(g2);
        // Stopped, the daemon finds the whole burst waiting when it goes on, and reads it as one batch:
        // sent as it comes, the first frame could be read alone and go by sendmmsg.
        Shell.MustSh($"kill -STOP {lab.DaemonPid}");
        try
        {
            MustSend(g1, "198.18.1.255", 64, payload: 996);
        }
        finally
        {
            Shell.MustSh($"kill -CONT {lab.DaemonPid}");
        }
        var (seen, disorder) = Received(await receiver);

        Assert.True(RingSubmissions(lab.DaemonPid) > before, "the burst did not go through the ring");
        Assert.True(seen == 64 && disorder == 0,
            $"of 64 broadcasts, g2 received {seen}, {disorder} of them out of order\n{lab.MustCtl("stats")}");
        Assert.Equal(0, lab.Stats(veth2).GetProperty("txDropped").GetInt64());
    }

    /// <summary>Entries submitted so far to all of the daemon's rings (SqTail in their fdinfo).</summary>
    private static long RingSubmissions(int pid) =>
        RingFdInfo(pid).Sum(info => long.Parse(info.Split('\n').First(line
            => line.StartsWith("SqTail:"))["SqTail:".Length..].Trim()));

    /// <summary>One ring per worker, held open for the daemon's life, each with <paramref name="registeredBuffers"/>
    /// buffers registered.</summary>
    private static void AssertRings(SwitchLab lab, int registeredBuffers)
    {
        var rings = RingFdInfo(lab.DaemonPid);
        Assert.True(rings.Count >= 1, $"vswitchd holds no io_uring descriptor\n{lab.ReadLog()}");
        Assert.All(rings, info => Assert.Contains($"UserBufs:\t{registeredBuffers}\n", info));
    }

    /// <summary>A burst that must arrive in order (<see cref="AssertBurstInOrder"/>), then a 32 MB transfer that must
    /// arrive whole.</summary>
    private static void AssertCarriesBurstAndTransfer(SwitchLab lab, string from, string to)
    {
        AssertBurstInOrder(lab, from, to, payload: 14);
        var (sent, received) = Transfer.Run(from, to, "198.18.1.2", 32 << 20);
        Assert.Equal(sent, received);
    }

    /// <summary>
    /// 20,000 numbered datagrams of 4 + <paramref name="payload"/> bytes from g1 to g2 as fast as Python
    /// sends them, so the switch reads them in batches: none may arrive out of order. Some may be lost (a
    /// port drops what its queue or ring cannot hold when the sender outruns the switch); at least a
    /// tenth must arrive.
    /// </summary>
    private static void AssertBurstInOrder(SwitchLab lab, string from, string to, int payload)
    {
        lab.MustPing(from, "198.18.1.2"); // learned both ways, ARP resolved
        var receiver = StartReceiver(to);
        MustSend(from, "198.18.1.2", 20_000, payload);
        var (seen, disorder) = Received(receiver.Result);
        Assert.True(seen >= 2_000, $"only {seen} of 20,000 datagrams arrived\n{lab.MustCtl("stats")}");
        Assert.True(disorder == 0, $"{disorder} of the {seen} datagrams that arrived came after a later one");
    }

    /// <summary>Starts <see cref="Receiver"/> in <paramref name="ns"/>: it ends 5 s after the last datagram.</summary>
    private static Task<CommandResult> StartReceiver(string ns) =>
        Task.Run(() => Shell.Run("ip", ["netns", "exec", ns, "python3", "-c", Receiver], TimeSpan.FromSeconds(60)));

    /// <summary>Runs <see cref="Sender"/> in <paramref name="ns"/>: <paramref name="count"/> datagrams of 4 + <paramref
    /// name="payload"/> bytes to <paramref name="destination"/>.</summary>
    private static void MustSend(string ns, string destination, int count, int payload)
    {
        var sender = Shell.Run("ip", ["netns", "exec", ns, "python3", "-c", Sender, destination, count.ToString(),
            payload.ToString()], TimeSpan.FromSeconds(60));
        Assert.True(sender.Ok, $"sender: {sender}");
    }

    /// <summary>What the receiver printed: how many datagrams came, and how many of them after a later one.</summary>
    private static (int Seen, int Disorder) Received(CommandResult receiver)
    {
        Assert.True(receiver.Ok, $"receiver: {receiver}");
        var fields = receiver.Output.Trim().Split(' ');
        return (int.Parse(fields[0]), int.Parse(fields[1]));
    }

    private static int RingCount(int pid) => RingFdInfo(pid).Count;

    /// <summary>/proc/PID/fdinfo of each io_uring the process holds (it lists the registered buffers,
    /// "UserBufs:").</summary>
    private static List<string> RingFdInfo(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").GetFileSystemInfos()
            .Where(fd => fd.LinkTarget == "anon_inode:[io_uring]")
            .Select(fd => File.ReadAllText($"/proc/{pid}/fdinfo/{fd.Name}"))
            .ToList();
}
