using System.Buffers.Binary;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Where a TAP is now, asked of the descriptor that holds it: a tap port's kernel side is usually moved
/// into a guest's namespace after it is created, and may be renamed there. The descriptor names the
/// device (TUNGETIFF) and its namespace (TUNGETDEVNETNS), for which rtnetlink gives our id (nsid), so
/// the device can be asked about (IFLA_TARGET_NETNSID) without any thread entering the namespace.
/// </summary>
internal static unsafe class TapLocation
{
    private const ushort RTM_NEWNSID = 88;
    private const ushort RTM_GETNSID = 90;
    public const ushort IFLA_TARGET_NETNSID = 46;
    private const ushort NETNSA_NSID = 1;
    private const ushort NETNSA_FD = 3;
    private const int NETNSA_NSID_NOT_ASSIGNED = -1;
    private const int RtGenLength = 4;   // struct rtgenmsg, padded

    /// <summary>The TAP's name now, and our id for its namespace (null: the daemon's own).</summary>
    public static (string Name, int? Namespace) Of(RtNetlink netlink, int tapFd)
    {
        string name = DeviceName(tapFd);
        int ns = ioctl(tapFd, Sys.TUNGETDEVNETNS, 0);
        if (ns < 0) throw NativeError.Last($"ioctl(TUNGETDEVNETNS, {name})");
        using var nsHandle = new FileDescriptor(ns);
        return (name, IsOwnNamespace(ns) ? null : NamespaceId(netlink, ns, name));
    }

    public static string DeviceName(int tapFd)
    {
        var request = new IfReq();
        if (ioctl(tapFd, Sys.TUNGETIFF, &request) < 0) throw NativeError.Last("ioctl(TUNGETIFF)");
        return IfReq.NameOf(new ReadOnlySpan<byte>(request.Name, 16));
    }

    // Both links read "net:[inode]"; the same inode is the same namespace.
    private static bool IsOwnNamespace(int ns) =>
        File.ResolveLinkTarget($"/proc/self/fd/{ns}",
            false)?.ToString() == File.ResolveLinkTarget("/proc/thread-self/ns/net", false)?.ToString();

    /// <summary>Our id for the device's namespace, assigned first if it has none (as `ip netns set NAME auto`
    /// does).</summary>
    public static int NamespaceId(RtNetlink netlink, int ns, string device)
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
        if (id == NETNSA_NSID_NOT_ASSIGNED)
            throw new IOException($"netlink: {device}'s namespace has no id, and none " +
            $"could be assigned");
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
