using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>
/// Follows link state through rtnetlink (RTMGRP_LINK): every RTM_NEWLINK/RTM_DELLINK in the daemon's
/// namespace is reported as (name, running), where running means administratively up with carrier
/// (IFF_UP and IFF_LOWER_UP), and an RTM_DELLINK also as deleted (the interface left the namespace:
/// deleted, or moved to another one). Runs on its own thread, off the datapath.
/// </summary>
public sealed unsafe class LinkMonitor : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const uint RTMGRP_LINK = 1;
    private const ushort NLMSG_DONE = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    private readonly FileDescriptor _fd;
    private readonly Action<string, bool> _onChange;
    private readonly Action<string> _onDeleted;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public LinkMonitor(Action<string, bool> onChange, Action<string> onDeleted)
    {
        _onChange = onChange;
        _onDeleted = onDeleted;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) throw NativeError.Last("socket(AF_NETLINK, NETLINK_ROUTE)");
        _fd = new FileDescriptor(fd);
        // recv() on netlink is not woken by shutdown(); a short timeout lets the thread see _stopping.
        var timeout = new TimeVal { Seconds = 0, Microseconds = 100_000 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, (uint)sizeof(TimeVal));
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
        while (!_stopping)
        {
            long n;
            fixed (byte* p = buffer) n = recv(_fd.Fd, p, buffer.Length, 0);
            if (n <= 0)
            {
                if (_stopping) return;
                // EAGAIN: the receive timeout, to look at _stopping. ENOBUFS: events were lost; the next
                // event per link still carries its full state.
                continue;
            }
            Parse(buffer.AsSpan(0, (int)n), _onChange, _onDeleted);
        }
    }

    /// <summary>Reports each link message of a netlink datagram.</summary>
    private static void Parse(ReadOnlySpan<byte> datagram, Action<string, bool> onChange, Action<string> onDeleted)
    {
        while (datagram.Length >= RtNetlink.HeaderLength)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < RtNetlink.HeaderLength || length > datagram.Length || type == NLMSG_DONE) return;
            var message = datagram[RtNetlink.HeaderLength..length];
            if ((type == RtNetlink.RTM_NEWLINK || type == RtNetlink.RTM_DELLINK) && message.Length >= RtNetlink.IfInfoLength)
            {
                uint flags = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
                var name = RtNetlink.Attribute(message, RtNetlink.IfInfoLength, RtNetlink.IFLA_IFNAME);
                bool running = type == RtNetlink.RTM_NEWLINK && (flags & (uint)Sys.IFF_UP) != 0 && (flags & Sys.IFF_LOWER_UP) != 0;
                if (!name.IsEmpty)
                {
                    string device = IfReq.NameOf(name);
                    onChange(device, running);
                    if (type == RtNetlink.RTM_DELLINK) onDeleted(device);
                }
            }
            datagram = datagram[Math.Min(datagram.Length, (length + 3) & ~3)..];
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive) _thread.Join();
        _fd.Dispose();
    }
}
