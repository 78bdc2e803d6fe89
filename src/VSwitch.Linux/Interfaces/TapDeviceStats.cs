using System.Buffers.Binary;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Reads a TAP device's own counters through the descriptor that holds it, wherever the device lives now
/// (<see cref="TapLocation"/>): asked of rtnetlink in that namespace by its id (IFLA_TARGET_NETNSID).
/// </summary>
internal static class TapDeviceStats
{
    private const ushort IFLA_STATS64 = 23;
    // struct rtnl_link_stats64: rx/tx packets, bytes, errors, then rx_dropped, tx_dropped
    private const int TxDroppedOffset = 56;

    /// <summary>
    /// The device's tx_dropped: frames the kernel meant for the TAP's reader (the switch) and dropped,
    /// mostly because the TAP's queue was full.
    /// </summary>
    public static long TxDropped(int tapFd)
    {
        using var netlink = RtNetlink.Open();
        var (name, nsid) = TapLocation.Of(netlink, tapFd);

        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_GETLINK, RtNetlink.NLM_F_REQUEST, RtNetlink.IfInfoLength);
        length = RtNetlink.PutString(request, length, RtNetlink.IFLA_IFNAME, name);
        if (nsid is { } id) length = RtNetlink.PutInt32(request, length, TapLocation.IFLA_TARGET_NETNSID, id);
        var answer = netlink.Exchange(request, length, new byte[16384], $"RTM_GETLINK {name}");
        var stats = RtNetlink.Attribute(answer, RtNetlink.HeaderLength + RtNetlink.IfInfoLength, IFLA_STATS64);
        if (stats.Length < TxDroppedOffset
            + 8) throw new IOException($"netlink RTM_GETLINK {name}: no IFLA_STATS64 in the answer");
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(stats[TxDroppedOffset..]);
    }
}
