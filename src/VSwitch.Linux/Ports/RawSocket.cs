using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Offload;
using VSwitch.Linux.HostBoundary;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A raw port's socket: AF_PACKET on one interface, in promiscuous mode so frames keep the guests' source
/// MACs. PACKET_VNET_HDR carries the same virtio-net header as our TAPs, so large and partially
/// checksummed frames pass between the two kinds unchanged; PACKET_IGNORE_OUTGOING keeps our own
/// transmissions from coming back; PACKET_AUXDATA reports a VLAN tag the kernel stripped. With
/// <see cref="PortIsolation"/>, the interface is taken from the host's stack first and given back at the end.
/// </summary>
internal sealed unsafe class RawSocket : IDisposable
{
    /// <summary>
    /// The socket error the kernel leaves pending on a packet socket: when the interface goes down, and when
    /// the socket is bound while it is down (as <see cref="Open"/> does, before bringing it up). The next
    /// send reads it and loses its frame; the ring never reads it.
    /// </summary>
    public static readonly int PendingError = ENETDOWN;

    private readonly FileDescriptor _fd;
    private readonly PortIsolation? _isolation;
    private readonly PortIsolation.Claim? _claim;

    private RawSocket(string device, int index, FileDescriptor fd, PacketReceiveRing? ring, PortIsolation? isolation,
        PortIsolation.Claim? claim)
    {
        Device = device;
        Index = index;
        _fd = fd;
        Ring = ring;
        _isolation = isolation;
        _claim = claim;
    }

    public string Device { get; }
    /// <summary>The interface's index, which stays when it is renamed.</summary>
    public int Index { get; }
    public int Fd => _fd.Fd;
    /// <summary>The receive ring, where the kernel allowed one.</summary>
    public PacketReceiveRing? Ring { get; }
    /// <summary>Why the kernel refused the receive ring asked for, else null.</summary>
    public string? RingRefused { get; private init; }

    /// <summary>Opens <paramref name="device"/>; <paramref name="receiveRing"/> false receives with recvmmsg.</summary>
    public static RawSocket Open(string device, bool receiveRing, PortIsolation? isolation)
    {
        int index = NetInterface.Index(device);
        if (index == 0) throw new ConfigException($"interface {device} does not exist");

        var claim = isolation?.Isolate(device);
        FileDescriptor? handle = null;
        PacketReceiveRing? ring = null;
        try
        {
            // Protocol 0 until bound, so that no frame from another interface is queued before bind().
            int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) throw NativeError.Last($"socket(AF_PACKET, {device})");
            handle = new FileDescriptor(fd);
            SetOption(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", device);
            SetOption(fd, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA", device);
            SetOption(fd, SOL_PACKET, Sys.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING", device);
            // Room for bursts of 64 KB frames; FORCE works as root and ignores the sysctl caps.
            SetOption(fd, SOL_SOCKET, Sys.SO_RCVBUFFORCE, 8 << 20, "SO_RCVBUFFORCE", device);
            SetOption(fd, SOL_SOCKET, Sys.SO_SNDBUFFORCE, 4 << 20, "SO_SNDBUFFORCE", device);
            // After PACKET_VNET_HDR (which a ring makes immutable) and before bind.
            string? refusal = null;
            if (receiveRing) ring = PacketReceiveRing.TryCreate(fd, out refusal);

            var address = new sockaddr_ll
            {
                sll_family = (ushort)(int)AF_PACKET,
                sll_protocol = htons(Sys.ETH_P_ALL),
                sll_ifindex = index,
            };
            if (bind(fd, (sockaddr*)&address,
                (uint)sizeof(sockaddr_ll)) < 0) throw NativeError.Last($"bind(AF_PACKET, {device})");

            var membership = new packet_mreq { mr_ifindex = index, mr_type = (ushort)PACKET_MR_PROMISC };
            if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, (uint)sizeof(packet_mreq)) < 0)
                throw NativeError.Last($"setsockopt(PACKET_ADD_MEMBERSHIP promisc, {device})");

            NetInterface.SetUp(device, true);
            // Bound while its link was still down, the socket holds ENETDOWN. The worker takes it when
            // epoll reports it, but on a busy bridge frames for this port can come first and meet it.
            TakePendingError(fd);
            return new RawSocket(device, index, handle, ring, isolation, claim) { RingRefused = refusal };
        }
        catch
        {
            ring?.Dispose();
            handle?.Dispose();
            if (claim is not null) isolation!.Release(claim);
            throw;
        }
    }

    private static void SetOption(int fd, int level, int option, int value, string what, string device)
    {
        if (setsockopt(fd, level, option, &value,
            sizeof(int)) < 0) throw NativeError.Last($"setsockopt({what}, {device})");
    }

    /// <summary>
    /// Reads the socket's pending error, which clears it. Epoll reports EPOLLERR for as long as one is
    /// pending, so without this a worker would find the port ready on every wait, and spin, until a frame
    /// was sent to it.
    /// </summary>
    public void TakePendingError() => TakePendingError(_fd.Fd);

    private static void TakePendingError(int fd)
    {
        int error = 0;
        socklen_t length = sizeof(int);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }

    public void Dispose()
    {
        _fd.Dispose();
        Ring?.Dispose();
        if (_claim is not null) _isolation!.Release(_claim);
    }
}
