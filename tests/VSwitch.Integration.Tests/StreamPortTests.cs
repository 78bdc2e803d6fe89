using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// The stream port (addsock): a Unix socket QEMU's -netdev stream connects to, frames behind a 4-byte
/// big-endian length. With a real guest, and with a hand-written peer that misbehaves.
/// </summary>
public class StreamPortTests
{
    [Fact]
    public void GuestOnAStreamPort_TakesTcpFromAGuestOnAVif_IntactThroughSoftwareSegmentation()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string stream = lab.MustCtl("addsock", "xapi1", "vm1").Trim();
        Assert.Matches(new Regex(@"^-netdev stream,id=vm1,server=off,addr\.type=unix,addr\.path=\S+/vm1\.sock " +
            @"-device virtio-net-pci,netdev=vm1,mac=[0-9a-f:]{17}$"), stream);
        string vif = lab.MustCtl("addvif", "xapi1", "vif2.0").Trim();

        // The VIF guest has QEMU's default offloads: it sends 64 KB TSO frames, which the stream port cuts up.
        QemuGuest.TransferChecked(lab, stream, vif);
        Assert.Contains("kind ( RO): stream", lab.MustCtl("vif-list", "device=vm1"));
    }

    private static byte[] Record(int length, byte[] frame)
    {
        var record = new byte[4 + frame.Length];
        BinaryPrimitives.WriteInt32BigEndian(record, length);
        frame.CopyTo(record, 4);
        return record;
    }

    /// <summary>A broadcast frame from 02:00:00:00:5e:01, as a guest would send it.</summary>
    private static byte[] Broadcast()
    {
        var frame = new byte[60];
        frame.AsSpan(0, 6).Fill(0xFF);
        new byte[] { 0x02, 0, 0, 0, 0x5e, 0x01 }.CopyTo(frame, 6);
        frame[12] = 0x88;
        frame[13] = 0xB5; // local experimental EtherType
        return frame;
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 3000;
        return socket;
    }

    /// <summary>Whether the switch closed the connection (a read sees the end of the stream).</summary>
    private static bool ClosedBySwitch(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
                if (socket.Receive(buffer) == 0) return true;
        }
        catch (SocketException)
        {
            return false; // timed out: still open
        }
    }

    [Fact]
    public void TwoHundredBadConnections_AreLoggedAtABoundedRate_WithLengthsUnsigned()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string path = Regex.Match(lab.MustCtl("addsock", "xapi1", "vm1"), @"addr\.path=(\S+)").Groups[1].Value;
        for (int i = 0; i < 200; i++)
        {
            using var bad = Connect(path);
            var record = Record(0, Broadcast());
            BinaryPrimitives.WriteUInt32BigEndian(record, 0xFFFF_FFFF);
            bad.Send(record);
            Assert.True(ClosedBySwitch(bad), $"connection {i} was not dropped");
        }
        using (var good = Connect(path))
        {
            good.Send(Record(60, Broadcast()));
            Assert.True(SpinWait.SpinUntil(() => lab.Stats("vm1").GetProperty("rxPackets").GetInt64() == 1,
                TimeSpan.FromSeconds(3)), "the port no longer served a good peer");
        }

        var lines = lab.ReadLog().Split('\n').Where(l => l.Contains("stream port vm1", StringComparison.Ordinal))
            .ToList();
        Assert.InRange(lines.Count, 1, 14); // a burst of 10, then one every 10 s: not 400
        Assert.Contains(lines, l => l.Contains("a frame length of 4294967295", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("length of -1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BadInput_DropsThatConnectionOnly_WithTheReasonLogged_AndTheNextPeerIsServed()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string path = Regex.Match(lab.MustCtl("addsock", "xapi1", "vm1"), @"addr\.path=(\S+)").Groups[1].Value;
        string a = lab.AddTapGuest("xapi1", "a", $"{lab.Id}a", "198.18.1.1");
        lab.AddTapGuest("xapi1", "b", $"{lab.Id}b", "198.18.1.2");
        var pings = Task.Run(() => Shell.Sh($"ip netns exec {a} ping -c 150 -i 0.02 -W 1 198.18.1.2",
            TimeSpan.FromSeconds(30)));

        // A good frame first: it is switched.
        using (var good = Connect(path))
        {
            good.Send(Record(60, Broadcast()));
            Assert.True(SpinWait.SpinUntil(() => lab.Stats("vm1").GetProperty("rxPackets").GetInt64() == 1,
                TimeSpan.FromSeconds(3)));
        }
        using (var empty = Connect(path))
        {
            empty.Send(Record(0, []));
            Assert.True(ClosedBySwitch(empty), "a zero length did not drop the connection");
        }
        using (var huge = Connect(path))
        {
            huge.Send(Record(100_000, Broadcast()));
            Assert.True(ClosedBySwitch(huge), "a length over the limit did not drop the connection");
        }
        using (var cut = Connect(path))
        {
            cut.Send(Record(60, Broadcast()).AsSpan(0, 30).ToArray());
            cut.Shutdown(SocketShutdown.Both);
        }
        Assert.True(SpinWait.SpinUntil(() => lab.ReadLog().Contains("in the middle of a frame"),
            TimeSpan.FromSeconds(3)), lab.ReadLog());
        // The port still serves the next peer.
        using (var again = Connect(path))
        {
            again.Send(Record(60, Broadcast()).Concat(Record(60, Broadcast())).ToArray());
            Assert.True(SpinWait.SpinUntil(() => lab.Stats("vm1").GetProperty("rxPackets").GetInt64() == 3,
                TimeSpan.FromSeconds(3)), lab.MustCtl("stats", "vm1"));
        }

        string log = lab.ReadLog();
        Assert.Contains("stream port vm1: connection dropped: a frame length of 0", log);
        Assert.Contains($"stream port vm1: connection dropped: a frame length of 100000, over the limit of", log);
        Assert.Contains("the peer hung up in the middle of a frame (30 bytes of it had arrived)", log);
        var stats = lab.Stats("vm1");
        Assert.True(stats.GetProperty("rxErrors").GetInt64() >= 2, stats.ToString());
        // The other ports never noticed.
        var pinged = await pings;
        Assert.Contains("150 packets transmitted, 150 received", pinged.Output);
    }

    [Fact]
    public void StreamPort_BelongsToItsOwner_IsRestoredAfterARestart_AndRemovedWithItsSocket()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string path = Regex.Match(lab.MustCtl("addsock", "xapi1", "vm1", "--mac", "02:00:00:00:5e:07", "--owner",
            "nobody"), @"addr\.path=(\S+)").Groups[1].Value;
        Assert.True(File.Exists(path));
        lab.Stop(kill: true);
        lab.Start();
        Assert.True(File.Exists(path), "the socket was not made again on start");
        // Mode 0600 and owned by nobody: QEMU running as that user connects without any privilege.
        Assert.Equal("600 nobody", Shell.Sh($"stat -c '%a %U' {path}").Output.Trim());
        Shell.MustSh($"chmod o+x {lab.WorkDir}");
        var unprivileged = Shell.Sh($"setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c " +
            $"\"import socket; socket.socket(socket.AF_UNIX).connect('{path}')\"");
        Assert.True(unprivileged.Ok, unprivileged.ToString());
        var stranger = Shell.Sh($"setpriv --reuid=daemon --regid=daemon --clear-groups /usr/bin/python3 -c \"import " +
            $"socket; socket.socket(socket.AF_UNIX).connect('{path}')\"");
        Assert.False(stranger.Ok, "another user could connect to the socket");
        using (var peer = Connect(path)) peer.Send(Record(60, Broadcast()));
        Assert.True(SpinWait.SpinUntil(() => lab.Stats("vm1").GetProperty("rxPackets").GetInt64() == 1,
            TimeSpan.FromSeconds(3)));
        Assert.Contains("02:00:00:00:5e:07", lab.MustCtl("vif-list", "device=vm1"));
        lab.MustCtl("delif", "xapi1", "vm1");
        Assert.False(File.Exists(path));
    }
}
