using System.Buffers.Binary;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Link requests over rtnetlink. Deleting a TAP this way works even while QEMU holds it open, which
/// TUNSETPERSIST 0 cannot do (a second TUNSETIFF on a busy single-queue TAP gets EBUSY).
/// </summary>
public static unsafe class NetlinkLink
{
    private const int NETLINK_ROUTE = 0;
    private const ushort RTM_DELLINK = 17;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_REQUEST = 1;
    private const ushort NLM_F_ACK = 4;

    public static void Delete(string name)
    {
        int index = NetInterface.Index(name);
        if (index == 0) throw new ConfigException($"interface {name} does not exist");

        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw NativeError.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        using var handle = new FileDescriptor(fd);

        // struct nlmsghdr (16 bytes) + struct ifinfomsg (16 bytes)
        Span<byte> request = stackalloc byte[32];
        request.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, 32);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_DELLINK);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1); // sequence
        BinaryPrimitives.WriteInt32LittleEndian(request[20..], index);

        var kernel = new SockaddrNl { Family = (ushort)(int)AF_NETLINK };
        fixed (byte* p = request)
            if (sendto(fd, p, request.Length, 0, (sockaddr*)&kernel, (uint)sizeof(SockaddrNl)) < 0)
                throw NativeError.Last($"netlink RTM_DELLINK {name}");

        Span<byte> answer = stackalloc byte[1024];
        long n;
        fixed (byte* p = answer) n = recv(fd, p, answer.Length, 0);
        if (n < 20) throw NativeError.Last($"netlink RTM_DELLINK {name}: no acknowledgement");
        if (BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]) != NLMSG_ERROR) throw new IOException($"netlink RTM_DELLINK {name}: unexpected answer");
        int error = -BinaryPrimitives.ReadInt32LittleEndian(answer[16..]);
        if (error != 0) throw NativeError.Exception($"netlink RTM_DELLINK {name}", error);
    }
}
