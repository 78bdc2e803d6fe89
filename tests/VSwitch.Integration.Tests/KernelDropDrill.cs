using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>
/// Frames the kernel drops on their way to the switch, because the port's queue is full, never reach a
/// worker; the switch must still count them (rx_queue_full). The drill: a quiet guest, the daemon stopped
/// (SIGSTOP) while the guest sends a burst of frames to a MAC nobody has, so the kernel must drop most of
/// it, then the daemon continued and nothing sent after the burst. Every frame the guest sent must then
/// be either received or counted.
/// </summary>
internal static class KernelDropDrill
{
    private const string SendFrames = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0))
        # To a MAC nobody has, from a locally administered one, with the local experimental EtherType.
        frame = bytes.fromhex("02aa00000001" "02aa00000002" "88b5") + bytes(46)
        for _ in range(int(sys.argv[2])): s.send(frame)
        """;

    public readonly record struct Outcome(long SentByGuest, long Received, long Dropped, long RxDropped);

    /// <summary>
    /// Keeps guests g1 (device <paramref name="device"/>) and g2 quiet: no IPv6 router solicitations or MLD
    /// reports, and no ARP (permanent neighbours on both sides: otherwise g2 re-checks g1 about 5 s after a
    /// ping, and g1's reply would be a later frame that brings a raw port's count in, which the drill must
    /// do without). Then checks they reach each other.
    /// </summary>
    public static void Quieten(SwitchLab lab, string g1, string device1, string g2, string device2)
    {
        // Written to /proc directly: sysctl(8) reads the dot in a name like vif1.0 as a separator.
        Shell.MustSh($"ip netns exec {g1} sh -c 'echo 1 > /proc/sys/net/ipv6/conf/{device1}/disable_ipv6'");
        Shell.MustSh($"ip -n {g1} neigh replace 198.18.1.2 lladdr {SwitchLab.MacOf(g2, device2)} dev {device1} nud " +
            $"permanent && " +
                     $"ip -n {g2} neigh replace 198.18.1.1 lladdr {SwitchLab.MacOf(g1, device1)} dev {device2} nud " +
                         $"permanent");
        lab.MustPing(g1, "198.18.1.2");
        Thread.Sleep(300);
    }

    /// <summary>
    /// Runs the burst from <paramref name="guest"/>'s <paramref name="device"/> into <paramref name="port"/>
    /// and waits (up to 10 s) until the port's received and counted frames add up to what
    /// <paramref name="sentByGuest"/> reads. Returns the figures since just before the burst.
    /// </summary>
    public static Outcome Run(SwitchLab lab, string port, string guest, string device, int burst,
        Func<long> sentByGuest)
    {
        long sentBefore = sentByGuest();
        var before = lab.Stats(port);
        long receivedBefore = before.GetProperty("rxPackets").GetInt64();
        long rxDroppedBefore = before.GetProperty("rxDropped").GetInt64();
        Assert.Equal(0, Counted(before, "rx_queue_full"));

        Shell.MustSh($"kill -STOP {lab.DaemonPid}");
        try
        {
            var sent = Shell.Run("ip", ["netns", "exec", guest, "python3", "-c", SendFrames, device, burst.ToString()],
                TimeSpan.FromSeconds(60));
            Assert.True(sent.Ok, sent.ToString());
        }
        finally
        {
            Shell.MustSh($"kill -CONT {lab.DaemonPid}");
        }
        long sentNow = 0, received = 0, dropped = 0;
        JsonElement stats;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            Thread.Sleep(100);
            sentNow = sentByGuest() - sentBefore;
            stats = lab.Stats(port);
            received = stats.GetProperty("rxPackets").GetInt64() - receivedBefore;
            dropped = Counted(stats, "rx_queue_full");
        } while (received + dropped != sentNow && DateTime.UtcNow < deadline);
        // rxDropped from the same reading as the counts, so the outcome is one consistent snapshot.
        long rxDropped = stats.GetProperty("rxDropped").GetInt64() - rxDroppedBefore;
        return new Outcome(sentNow, received, dropped, rxDropped);
    }

    /// <summary>A device's counter in a namespace, from sysfs.</summary>
    public static long DeviceCounter(string ns, string device, string counter) =>
        long.Parse(Shell.Sh($"ip netns exec {ns} cat /sys/class/net/{device}/statistics/{counter}").Output.Trim());

    private static long Counted(JsonElement stats, string reason) =>
        stats.GetProperty("dropsByReason").TryGetProperty(reason, out var n) ? n.GetInt64() : 0;
}
