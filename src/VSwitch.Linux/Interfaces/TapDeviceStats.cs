using System.Buffers.Binary;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Reads a TAP device's own counters through the descriptor that holds it, wherever the device lives now:
/// a tap port's kernel side is usually moved into a guest's namespace after it is created, and may be
/// renamed there. The descriptor names the device (TUNGETIFF) and its namespace (TUNGETDEVNETNS); the
/// device's figures are then asked of rtnetlink in that namespace by its id (IFLA_TARGET_NETNSID), so no
/// thread ever has to enter it.
/// </summary>
internal static unsafe class TapDeviceStats
{
    private const ushort RTM_NEWNSID = 88;
    private const ushort RTM_GETNSID = 90;
    private const ushort IFLA_STATS64 = 23;
    private const ushort IFLA_TARGET_NETNSID = 46;
    private const ushort NETNSA_NSID = 1;
    private const ushort NETNSA_FD = 3;
    private const int NETNSA_NSID_NOT_ASSIGNED = -1;
    private const int RtGenLength = 4;   // struct rtgenmsg, padded
    private const int TxDroppedOffset = 56; // struct rtnl_link_stats64: rx/tx packets, bytes, errors, then rx_dropped, tx_dropped

    /// <summary>
    /// The device's tx_dropped: frames the kernel meant for the TAP's reader (the switch) and dropped,
    /// mostly because the TAP's queue was full.
    /// </summary>
    public static long TxDropped(int tapFd)
    {
        string name = DeviceName(tapFd);
        int ns = ioctl(tapFd, Sys.TUNGETDEVNETNS, 0);
        if (ns < 0) throw NativeError.Last($"ioctl(TUNGETDEVNETNS, {name})");
        using var nsHandle = new FileDescriptor(ns);
        using var netlink = RtNetlink.Open();
        int? nsid = IsOwnNamespace(ns) ? null : NamespaceId(netlink, ns, name);

        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_GETLINK, RtNetlink.NLM_F_REQUEST, RtNetlink.IfInfoLength);
        length = RtNetlink.PutString(request, length, RtNetlink.IFLA_IFNAME, name);
        if (nsid is { } id) length = RtNetlink.PutInt32(request, length, IFLA_TARGET_NETNSID, id);
        var answer = netlink.Exchange(request, length, new byte[16384], $"RTM_GETLINK {name}");
        var stats = RtNetlink.Attribute(answer, RtNetlink.HeaderLength + RtNetlink.IfInfoLength, IFLA_STATS64);
        if (stats.Length < TxDroppedOffset + 8) throw new IOException($"netlink RTM_GETLINK {name}: no IFLA_STATS64 in the answer");
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(stats[TxDroppedOffset..]);
    }

    private static string DeviceName(int tapFd)
    {
        var request = new IfReq();
        if (ioctl(tapFd, Sys.TUNGETIFF, &request) < 0) throw NativeError.Last("ioctl(TUNGETIFF)");
        return IfReq.NameOf(new ReadOnlySpan<byte>(request.Name, 16));
    }

    // Both links read "net:[inode]"; the same inode is the same namespace.
    private static bool IsOwnNamespace(int ns) =>
        File.ResolveLinkTarget($"/proc/self/fd/{ns}", false)?.ToString() == File.ResolveLinkTarget("/proc/thread-self/ns/net", false)?.ToString();

    /// <summary>Our id for the device's namespace, assigned first if it has none (as `ip netns set NAME auto` does).</summary>
    private static int NamespaceId(RtNetlink netlink, int ns, string device)
    {
        int id = AskNamespaceId(netlink, ns, device);
        if (id != NETNSA_NSID_NOT_ASSIGNED) return id;
        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RTM_NEWNSID, RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK, RtGenLength);
        length = RtNetlink.PutInt32(request, length, NETNSA_FD, ns);
        length = RtNetlink.PutInt32(request, length, NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED);
        try { netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_NEWNSID for {device}'s namespace"); }
        catch (IOException) { /* another process assigned one meanwhile (EEXIST): asking again finds it */ }
        id = AskNamespaceId(netlink, ns, device);
        if (id == NETNSA_NSID_NOT_ASSIGNED) throw new IOException($"netlink: {device}'s namespace has no id, and none could be assigned");
        return id;
    }

    private static int AskNamespaceId(RtNetlink netlink, int ns, string device)
    {
        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RTM_GETNSID, RtNetlink.NLM_F_REQUEST, RtGenLength);
        length = RtNetlink.PutInt32(request, length, NETNSA_FD, ns);
        var answer = netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_GETNSID for {device}'s namespace");
        var nsid = RtNetlink.Attribute(answer, RtNetlink.HeaderLength + RtGenLength, NETNSA_NSID);
        return nsid.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(nsid) : NETNSA_NSID_NOT_ASSIGNED;
    }
}
