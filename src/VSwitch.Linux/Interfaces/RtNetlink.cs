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
    private const ushort NLMSG_DONE = 3;
    public const ushort NLM_F_REQUEST = 1;
    public const ushort NLM_F_MULTI = 2;
    public const ushort NLM_F_ACK = 4;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_DUMP = 0x300;
    private const ushort NLA_F_NESTED = 0x8000;
    // Link messages (struct ifinfomsg and its attributes), which InterfaceMonitor, NetlinkLink and TapDeviceStats
    // share.
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

    /// <summary>Starts a request of <paramref name="type"/> with a zeroed body of <paramref name="bodyLength"/> bytes;
    /// returns where attributes go.</summary>
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

    /// <summary>Opens a nested attribute at <paramref name="at"/>; <see cref="EndNested"/> closes it. Returns where its
    /// first member goes.</summary>
    public static int BeginNested(Span<byte> message, int at, ushort type)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message[(at + 2)..], (ushort)(type | NLA_F_NESTED));
        return at + 4;
    }

    /// <summary>Closes the nested attribute opened at <paramref name="start"/>, now ending at <paramref name="end"/>;
    /// returns <paramref name="end"/>.</summary>
    public static int EndNested(Span<byte> message, int start, int end)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message[start..], (ushort)(end - start));
        return end;
    }

    /// <summary>Appends a NUL-terminated string attribute (an interface name); returns where the next one
    /// goes.</summary>
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

    /// <summary>
    /// Sends a dump request (<see cref="NLM_F_DUMP"/> is added to its flags) and hands every message of the
    /// answer to <paramref name="each"/>, until the kernel's NLMSG_DONE. An error answer is thrown.
    /// </summary>
    public void Dump(Span<byte> message, int length, string what, DumpVisitor each)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..],
            (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(message[6..]) | NLM_F_DUMP));
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)length);
        uint sequence = ++_sequence;
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], sequence);
        var kernel = new SockaddrNl { Family = (ushort)(int)AF_NETLINK };
        fixed (byte* p = message)
            if (sendto(_fd.Fd, p, length, 0, (sockaddr*)&kernel, (uint)sizeof(SockaddrNl)) < 0)
                throw NativeError.Last($"netlink {what}");
        var buffer = new byte[64 * 1024];
        while (true)
        {
            long n;
            fixed (byte* p = buffer) n = recv(_fd.Fd, p, buffer.Length, 0);
            if (n < HeaderLength) throw NativeError.Last($"netlink {what}: no answer");
            var datagram = buffer.AsSpan(0, (int)n);
            while (datagram.Length >= HeaderLength)
            {
                int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
                if (size < HeaderLength || size > datagram.Length) return;
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
                if (BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]) == sequence)
                {
                    if (type == NLMSG_DONE) return;
                    if (type == NLMSG_ERROR)
                    {
                        int error = -BinaryPrimitives.ReadInt32LittleEndian(datagram[HeaderLength..]);
                        if (error != 0) throw NativeError.Exception($"netlink {what}", error);
                        return;
                    }
                    each(type, datagram[..size]);
                }
                datagram = datagram[Math.Min(datagram.Length, (size + 3) & ~3)..];
            }
        }
    }

    /// <summary>One message of a dump: its type, and the whole message (header included).</summary>
    public delegate void DumpVisitor(ushort type, ReadOnlySpan<byte> message);

    /// <summary>The payload of the first attribute of <paramref name="type"/> at or after <paramref name="from"/>, or
    /// empty.</summary>
    public static ReadOnlySpan<byte> Attribute(ReadOnlySpan<byte> answer, int from, ushort type)
    {
        int at = from;
        while (at + 4 <= answer.Length)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(answer[at..]);
            if (length < 4 || at + length > answer.Length) break;
            if ((BinaryPrimitives.ReadUInt16LittleEndian(answer[(at + 2)..]) & 0x3fff) == type) return answer[(at
                + 4)..(at + length)];
            at += (length + 3) & ~3;
        }
        return [];
    }

    public void Dispose() => _fd.Dispose();
}
