using System.Buffers.Binary;
using System.Text;
using Tmds.Linux;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// An rtnetlink socket for one request at a time and its answer, with the few helpers needed to build a
/// request (a header, 32-bit and string attributes) and to find an attribute in an answer. Control-plane
/// only: each exchange is a round trip to the kernel.
/// </summary>
internal sealed unsafe class RtNetlink : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    public const int HeaderLength = 16; // struct nlmsghdr
    private const ushort NLMSG_ERROR = 2;
    public const ushort NLM_F_REQUEST = 1;
    public const ushort NLM_F_ACK = 4;
    // Link messages (struct ifinfomsg and its attributes), which LinkMonitor, NetlinkLink and TapDeviceStats share.
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort IFLA_IFNAME = 3;
    public const int IfInfoLength = 16; // struct ifinfomsg

    private readonly FileDescriptor _fd;
    private uint _sequence;

    private RtNetlink(FileDescriptor fd) => _fd = fd;

    public static RtNetlink Open()
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw NativeError.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        return new RtNetlink(new FileDescriptor(fd));
    }

    /// <summary>Starts a request of <paramref name="type"/> with a zeroed body of <paramref name="bodyLength"/> bytes; returns where attributes go.</summary>
    public static int Begin(Span<byte> message, ushort type, ushort flags, int bodyLength)
    {
        message[..(HeaderLength + bodyLength)].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], flags);
        return HeaderLength + bodyLength;
    }

    /// <summary>Appends a 32-bit attribute at <paramref name="at"/>; returns where the next one goes.</summary>
    public static int PutInt32(Span<byte> message, int at, ushort type, int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message[at..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(message[(at + 2)..], type);
        BinaryPrimitives.WriteInt32LittleEndian(message[(at + 4)..], value);
        return at + 8;
    }

    /// <summary>Appends a NUL-terminated string attribute (an interface name); returns where the next one goes.</summary>
    public static int PutString(Span<byte> message, int at, ushort type, string value)
    {
        int length = 4 + Encoding.ASCII.GetBytes(value, message[(at + 4)..]) + 1;
        message[at + length - 1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(message[at..], (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[(at + 2)..], type);
        int next = at + ((length + 3) & ~3);
        message[(at + length)..next].Clear();
        return next;
    }

    /// <summary>
    /// Sends <c>message[..length]</c> and returns the kernel's answer. An error answer is thrown, naming
    /// <paramref name="what"/> and the errno; an acknowledgement (error 0) comes back as an empty span.
    /// </summary>
    public ReadOnlySpan<byte> Exchange(Span<byte> message, int length, Span<byte> answer, string what)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], ++_sequence);
        var kernel = new SockaddrNl { Family = (ushort)(int)AF_NETLINK };
        fixed (byte* p = message)
            if (sendto(_fd.Fd, p, length, 0, (sockaddr*)&kernel, (uint)sizeof(SockaddrNl)) < 0)
                throw NativeError.Last($"netlink {what}");
        long n;
        fixed (byte* p = answer) n = recv(_fd.Fd, p, answer.Length, 0);
        if (n < HeaderLength + 4) throw NativeError.Last($"netlink {what}: no answer");
        if (BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]) != NLMSG_ERROR) return answer[..(int)n];
        int error = -BinaryPrimitives.ReadInt32LittleEndian(answer[HeaderLength..]);
        if (error != 0) throw NativeError.Exception($"netlink {what}", error);
        return [];
    }

    /// <summary>The payload of the first attribute of <paramref name="type"/> at or after <paramref name="from"/>, or empty.</summary>
    public static ReadOnlySpan<byte> Attribute(ReadOnlySpan<byte> answer, int from, ushort type)
    {
        int at = from;
        while (at + 4 <= answer.Length)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(answer[at..]);
            if (length < 4 || at + length > answer.Length) break;
            if ((BinaryPrimitives.ReadUInt16LittleEndian(answer[(at + 2)..]) & 0x3fff) == type) return answer[(at + 4)..(at + length)];
            at += (length + 3) & ~3;
        }
        return [];
    }

    public void Dispose() => _fd.Dispose();
}
