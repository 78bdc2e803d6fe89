using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>
/// A frame larger than the egress port's MTU is dropped and counted (mtu_exceeded), as the kernel bridge
/// drops it, on every port kind. Before, a tap port delivered a 2,000-byte frame into a namespace whose
/// TAP had MTU 1500, while raw ports counted the kernel's refusal as a transmit error.
/// </summary>
public class EgressMtuTests
{
    [Fact]
    public void A2000ByteFrame_IsDroppedAtEachKindOf1500MtuPort_AndDeliveredToEachKindOf9000MtuPort()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string sender = lab.AddTapGuest("xapi1", "s", $"{lab.Id}s", "198.18.1.100");
        Shell.MustSh($"ip -n {sender} link set {lab.Id}s mtu 9000");

        // Each kind twice: MTU 1500 (the default) and 9000, set where the port's interface is.
        string t1 = $"{lab.Id}t1", t9 = $"{lab.Id}t9";
        lab.AddTapGuest("xapi1", "t1", t1, "198.18.1.11");
        string t9ns = lab.AddTapGuest("xapi1", "t9", t9, "198.18.1.19");
        Shell.MustSh($"ip -n {t9ns} link set {t9} mtu 9000");
        string r1 = lab.AddVethGuest("xapi1", "r1", "198.18.1.21", out _);
        string r9 = lab.AddVethGuest("xapi1", "r9", "198.18.1.29", out string r9ns);
        Shell.MustSh($"ip -n {lab.SwitchNs} link set {r9} mtu 9000 && ip -n {r9ns} link set eth0 mtu 9000");
        lab.MustCtl("addvif", "xapi1", "vif1.0", "--mac", "02:00:00:00:01:00");
        lab.MustCtl("addvif", "xapi1", "vif9.0", "--mac", "02:00:00:00:09:00");
        Shell.MustSh($"ip -n {lab.SwitchNs} link set vif9.0 mtu 9000");
        lab.StartTapGuest("vif1.0", "02:00:00:00:01:00", "198.18.1.31");
        lab.StartTapGuest("vif9.0", "02:00:00:00:09:00", "198.18.1.39");
        lab.MustCtl("addsock", "xapi1", "st1");
        lab.MustCtl("addsock", "xapi1", "st9", "--mtu", "9000");
        using var st1 = Connect(Path.Combine(lab.WorkDir, "streams", "st1.sock"));
        using var st9 = Connect(Path.Combine(lab.WorkDir, "streams", "st9.sock"));

        string[] small = [t1, r1, "vif1.0", "st1"], large = [t9, r9, "vif9.0", "st9"];
        // The switch takes each port's MTU from its interface (link events, also from the guests' namespaces).
        foreach (var (port, mtu) in small.Select(p => (p, 1500)).Concat(large.Select(p => (p, 9000))))
            lab.Eventually(() => lab.Stats(port).GetProperty("mtu").GetInt32() == mtu, TimeSpan.FromSeconds(2),
                $"{port} has MTU {mtu}");

        var before = small.Concat(large).ToDictionary(p => p, p => lab.Stats(p));
        // 2,000 bytes on the wire: a 1,986-byte payload (IPv4 + UDP + 1,958 bytes) behind the 14-byte header.
        Scapy.Send(sender, $"{lab.Id}s",
            "Ether(dst='ff:ff:ff:ff:ff:ff')/IP(src='198.18.1.100',dst='198.18.1.255')/UDP(sport=9,dport=9)/Raw(b'M'*1958)");
        Thread.Sleep(500);

        foreach (var port in small)
        {
            var after = lab.Stats(port);
            Assert.True(MtuDrops(after) - MtuDrops(before[port]) == 1, $"{port} (MTU 1500): {after}");
            Assert.True(after.GetProperty("txBytes").GetInt64() - before[port].GetProperty("txBytes").GetInt64() < 1000,
                $"{port} was sent the frame: {after}");
        }
        foreach (var port in large)
        {
            var after = lab.Stats(port);
            Assert.Equal(0, MtuDrops(after));
            Assert.True(after.GetProperty("txBytes").GetInt64() - before[port].GetProperty("txBytes").GetInt64() >= 2000, $"{port} (MTU 9000) was not sent the frame: {after}");
        }
        Assert.Equal(2000, FrameLengths(st9).Max());
        Assert.DoesNotContain(2000, FrameLengths(st1));

        // Unicast too: to the raw port's guest, known by its MAC.
        lab.MustPing(sender, "198.18.1.21");
        long unicastBefore = MtuDrops(lab.Stats(r1));
        string r1Mac = Shell.Sh($"ip -n {sender} neigh show 198.18.1.21").Output.Split(' ')[4];
        Scapy.Send(sender, $"{lab.Id}s",
            $"Ether(dst='{r1Mac}')/IP(src='198.18.1.100',dst='198.18.1.21')/UDP(sport=9,dport=9)/Raw(b'M'*1958)");
        lab.Eventually(() => MtuDrops(lab.Stats(r1)) == unicastBefore + 1, TimeSpan.FromSeconds(2),
            "the unicast frame is counted at the raw port");
    }

    private static long MtuDrops(JsonElement stats) =>
        stats.GetProperty("dropsByReason").TryGetProperty("mtu_exceeded", out var n) ? n.GetInt64() : 0;

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 500;
        return socket;
    }

    /// <summary>The lengths of the frames the switch has written to a stream port's peer so far (each behind its 4-byte
    /// length).</summary>
    private static List<int> FrameLengths(Socket socket)
    {
        var stream = new List<byte>();
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0) stream.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        catch (SocketException) { /* the timeout: nothing more for now */ }
        var lengths = new List<int>();
        var bytes = stream.ToArray().AsSpan();
        while (bytes.Length >= 4)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (bytes.Length < 4 + length) break;
            lengths.Add(length);
            bytes = bytes[(4 + length)..];
        }
        return lengths;
    }
}
