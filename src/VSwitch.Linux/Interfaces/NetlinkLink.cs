using System.Buffers.Binary;
using VSwitch.Core.Control;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Link requests over rtnetlink. Deleting a TAP this way works even while QEMU holds it open, which
/// TUNSETPERSIST 0 cannot do (a second TUNSETIFF on a busy single-queue TAP gets EBUSY).
/// </summary>
public static class NetlinkLink
{
    private const ushort IFLA_GROUP = 27;

    /// <summary>Puts the interface in interface group <paramref name="group"/> (`ip link set NAME group N`).</summary>
    public static void SetGroup(string name, int group)
    {
        int index = NetInterface.Index(name);
        if (index == 0) throw new ConfigException($"interface {name} does not exist");
        using var netlink = RtNetlink.Open();
        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_NEWLINK, RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK,
            RtNetlink.IfInfoLength);
        BinaryPrimitives.WriteInt32LittleEndian(request[(RtNetlink.HeaderLength + 4)..], index);
        length = RtNetlink.PutInt32(request, length, IFLA_GROUP, group);
        netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_NEWLINK {name} group {group}");
    }

    /// <summary>
    /// Deletes every interface of group <paramref name="group"/> in one request (`ip link delete group N`), in
    /// the namespace our id <paramref name="nsid"/> names (null: ours): one removal for them all, where
    /// closing TAPs one by one costs the kernel a grace period each. A group with no interface is no error.
    /// </summary>
    public static void DeleteGroup(int group, int? nsid)
    {
        using var netlink = RtNetlink.Open();
        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_DELLINK, RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK,
            RtNetlink.IfInfoLength);
        length = RtNetlink.PutInt32(request, length, IFLA_GROUP, group);
        if (nsid is { } id) length = RtNetlink.PutInt32(request, length, TapLocation.IFLA_TARGET_NETNSID, id);
        try
        {
            netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_DELLINK group {group}");
        }
        catch (NativeIOException e) when (e.Errno == 19) // ENODEV: none left in that group
        {
        }
    }

    public static void Delete(string name)
    {
        int index = NetInterface.Index(name);
        if (index == 0) throw new ConfigException($"interface {name} does not exist");

        using var netlink = RtNetlink.Open();
        Span<byte> request = stackalloc byte[RtNetlink.HeaderLength + RtNetlink.IfInfoLength];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_DELLINK, RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK,
            RtNetlink.IfInfoLength);
        BinaryPrimitives.WriteInt32LittleEndian(request[(RtNetlink.HeaderLength + 4)..], index);
        netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_DELLINK {name}");
    }
}
