using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VSwitch.Core.Control;
using VSwitch.Core.Ports;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Follows links through rtnetlink (RTMGRP_LINK): every RTM_NEWLINK and RTM_DELLINK becomes a
/// <see cref="InterfaceEvent"/>. With NETLINK_LISTEN_ALL_NSID it hears the namespaces tap ports were moved to as
/// well (the kernel gives a namespace an id here when a device moves there from here), each message
/// marked with that id. Runs on its own thread, off the datapath.
/// </summary>
public sealed unsafe class InterfaceMonitor : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const uint RTMGRP_LINK = 1;
    private const int SOL_NETLINK = 270;
    private const int NETLINK_LISTEN_ALL_NSID = 8;
    private const ushort IFLA_MTU = 4, IFLA_NEW_NETNSID = 45, IFLA_NEW_IFINDEX = 49;
    private const int ControlSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    private readonly FileDescriptor _fd;
    private readonly Action<InterfaceEvent> _onEvent;
    private readonly Action _onLost;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="onLost">Events were lost (the socket's queue overflowed): the receiver should look at the
    /// interfaces it cares about again.</param>
    public InterfaceMonitor(Action<InterfaceEvent> onEvent, Action onLost)
    {
        _onEvent = onEvent;
        _onLost = onLost;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw NativeError.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        _fd = new FileDescriptor(fd);
        // recv() on netlink is not woken by shutdown(); a short timeout lets the thread see _stopping.
        var timeout = new TimeVal { Seconds = 0, Microseconds = 100_000 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, (uint)sizeof(TimeVal));
        // A lab that makes a thousand TAPs at once sends a burst of events; room for it.
        int buffer = 4 << 20;
        setsockopt(fd, SOL_SOCKET, Sys.SO_RCVBUFFORCE, &buffer, sizeof(int));
        int on = 1;
        if (setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(int)) < 0)
        {
            _fd.Dispose();
            throw NativeError.Last("setsockopt(NETLINK_LISTEN_ALL_NSID)");
        }
        var address = new SockaddrNl { Family = (ushort)(int)AF_NETLINK, Groups = RTMGRP_LINK };
        if (bind(fd, (Tmds.Linux.sockaddr*)&address, (uint)sizeof(SockaddrNl)) < 0)
        {
            _fd.Dispose();
            throw NativeError.Last("bind(NETLINK_ROUTE, RTMGRP_LINK)");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "vswitch-link-monitor" };
    }

    public void Start() => _thread.Start();

    private void Run()
    {
        var buffer = new byte[64 * 1024];
        byte* control = stackalloc byte[ControlSize];
        while (!_stopping)
        {
            long n;
            int? nsid;
            fixed (byte* p = buffer)
            {
                var vector = new IoVec { Base = p, Length = (nuint)buffer.Length };
                var header = new MsgHdr { Iov = &vector, IovLength = 1, Control = control,
                    ControlLength = ControlSize };
                n = Sys.recvmsg(_fd.Fd, &header, 0);
                nsid = n > 0 ? NamespaceOf(&header) : null;
            }
            if (n <= 0)
            {
                if (_stopping) return;
                // ENOBUFS: events were lost; EAGAIN: the receive timeout, to look at _stopping.
                if (Marshal.GetLastPInvokeError() == ENOBUFS) _onLost();
                continue;
            }
            Parse(buffer.AsSpan(0, (int)n), nsid, _onEvent);
        }
    }

    /// <summary>The namespace id the kernel attached (NETLINK_LISTEN_ALL_NSID); none for the socket's own
    /// namespace.</summary>
    private static int? NamespaceOf(MsgHdr* header)
    {
        byte* at = (byte*)header->Control;
        byte* end = at + header->ControlLength;
        while (at + CMsgHdr.DataOffset <= end)
        {
            var cmsg = (CMsgHdr*)at;
            if (cmsg->Length < CMsgHdr.DataOffset) return null;
            if (cmsg->Level == SOL_NETLINK && cmsg->Type == NETLINK_LISTEN_ALL_NSID) return *(int*)(at
                + CMsgHdr.DataOffset);
            at += (cmsg->Length + 7) & ~(nuint)7;
        }
        return null;
    }

    /// <summary>Reports each link message of a netlink datagram.</summary>
    internal static void Parse(ReadOnlySpan<byte> datagram, int? nsid, Action<InterfaceEvent> onEvent)
    {
        while (datagram.Length >= RtNetlink.HeaderLength)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < RtNetlink.HeaderLength || length > datagram.Length) return;
            var message = datagram[..length];
            if ((type == RtNetlink.RTM_NEWLINK || type == RtNetlink.RTM_DELLINK) && length >= RtNetlink.HeaderLength
                + RtNetlink.IfInfoLength
                && Read(message, type == RtNetlink.RTM_DELLINK, nsid) is { } e)
                onEvent(e);
            datagram = datagram[Math.Min(datagram.Length, (length + 3) & ~3)..];
        }
    }

    private static InterfaceEvent? Read(ReadOnlySpan<byte> message, bool deleted, int? nsid)
    {
        var info = message[RtNetlink.HeaderLength..];
        int index = BinaryPrimitives.ReadInt32LittleEndian(info[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(info[8..]);
        const int attributes = RtNetlink.HeaderLength + RtNetlink.IfInfoLength;
        var name = RtNetlink.Attribute(message, attributes, RtNetlink.IFLA_IFNAME);
        if (name.IsEmpty) return null;
        var mtu = RtNetlink.Attribute(message, attributes, IFLA_MTU);
        var movedTo = RtNetlink.Attribute(message, attributes, IFLA_NEW_NETNSID);
        var movedIndex = RtNetlink.Attribute(message, attributes, IFLA_NEW_IFINDEX);
        InterfacePlace? moved = deleted && movedTo.Length >= 4
            ? new InterfacePlace(BinaryPrimitives.ReadInt32LittleEndian(movedTo), movedIndex.Length >= 4
                ? BinaryPrimitives.ReadInt32LittleEndian(movedIndex) : index)
            : null;
        return new InterfaceEvent(deleted, IfReq.NameOf(name), index, (flags & (uint)Sys.IFF_UP) != 0,
            (flags & Sys.IFF_LOWER_UP) != 0,
            mtu.Length >= 4 ? (int)BinaryPrimitives.ReadUInt32LittleEndian(mtu) : IPort.DefaultMtu, nsid, moved);
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive) _thread.Join();
        _fd.Dispose();
    }
}
