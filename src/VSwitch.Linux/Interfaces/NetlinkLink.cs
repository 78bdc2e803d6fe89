using System.Buffers.Binary;
using VSwitch.Core.Control;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Link requests over rtnetlink. Deleting a TAP this way works even while QEMU holds it open, which
/// TUNSETPERSIST 0 cannot do (a second TUNSETIFF on a busy single-queue TAP gets EBUSY).
/// </summary>
public static class NetlinkLink
{
    public static void Delete(string name)
    {
        int index = NetInterface.Index(name);
        if (index == 0) throw new ConfigException($"interface {name} does not exist");

        using var netlink = RtNetlink.Open();
        Span<byte> request = stackalloc byte[RtNetlink.HeaderLength + RtNetlink.IfInfoLength];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_DELLINK, RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK, RtNetlink.IfInfoLength);
        BinaryPrimitives.WriteInt32LittleEndian(request[(RtNetlink.HeaderLength + 4)..], index);
        netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_DELLINK {name}");
    }
}
