using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A TAP the switch creates and owns (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR). The kernel side is a host or
/// namespace endpoint; closing the descriptor removes the device. With the virtio-net header and
/// TUNSETOFFLOAD the kernel hands us unfinished checksums and 64 KB TSO frames, and accepts them back,
/// so TCP crosses the switch in large segments with nobody running ethtool.
/// </summary>
public sealed unsafe class TapPort : ILinuxPort, IKernelReceiveDrops
{
    private readonly FileDescriptor _fd;
    // The device's tx_dropped when the port opened, and the drops since as last read (KernelReceiveDrops).
    private readonly long _kernelDropsAtOpen;
    private long _kernelDrops;
    // Set by the worker that saw the interface go (TakePendingError); read by the control thread.
    private volatile bool _gone;

    /// <summary>
    /// Frames the TAP queues for us while no worker reads it (its txqueuelen), instead of tun's 500. A
    /// userspace reader is sometimes off its core for milliseconds (on 2 vCPUs, beside the endpoints and a
    /// traffic generator), and at 200k frames/s 500 frames last 2.5 ms: in the RFC 2544 search, 500 held
    /// a zero-loss rate of 48k-102k frames/s, 4,000 held 182k-198k (perf/README.md). The queue only fills
    /// while the switch is behind; TCP senders stay bounded by their own small-queue limit. An operator
    /// may still change it with `ip link set DEV txqueuelen N`.
    /// </summary>
    public const int QueueLength = 4000;

    private TapPort(string name, FileDescriptor fd, MacAddress mac, int index, int mtu)
    {
        Name = name;
        _fd = fd;
        Mac = mac;
        Place = new InterfacePlace(null, index);
        Mtu = mtu;
        // A TAP created here starts at 0; one that already existed (persistent) may not.
        try { _kernelDropsAtOpen = TapDeviceStats.TxDropped(fd.Fd); }
        catch (IOException) { }
    }

    public string Name { get; }
    public PortKind Kind => PortKind.Tap;
    public MacAddress Mac { get; }
    public int Fd => _fd.Fd;
    public bool Gone => _gone;
    /// <summary>Where the TAP was made: the daemon's namespace. Link events follow it from there.</summary>
    public InterfacePlace? Place { get; }
    public int Mtu { get; }

    /// <summary>Asks the descriptor where the TAP is now and what it is called there.</summary>
    public bool IsNow(int? ns, string name)
    {
        try
        {
            using var netlink = RtNetlink.Open();
            var (current, nsid) = TapLocation.Of(netlink, _fd.Fd);
            return current == name && nsid == ns;
        }
        catch (IOException)
        {
            return false; // gone: its descriptor says so to the worker
        }
    }

    /// <summary>The TAP's name and our id for its namespace now (null: ours), or null when it cannot be asked (gone).</summary>
    internal (string Name, int? Namespace)? Location()
    {
        try
        {
            using var netlink = RtNetlink.Open();
            return TapLocation.Of(netlink, _fd.Fd);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// tun reports EPOLLERR only once its interface is gone (deleted, or with the namespace it was
    /// moved to, which deletes it), and then on every poll: the descriptor is detached for good.
    /// </summary>
    public bool TakePendingError()
    {
        _gone = true;
        return false;
    }

    /// <param name="group">The interface group the TAP joins (ip link's `group`): the daemon removes all its TAPs of a
    /// namespace at once by it when it stops, which the kernel does far faster than one at a time.</param>
    public static TapPort Create(string name, MacAddress mac, int group)
    {
        var path = "/dev/net/tun"u8;
        int fd;
        fixed (byte* p = path) fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) throw NativeError.Last("open(/dev/net/tun)");
        var handle = new FileDescriptor(fd);
        try
        {
            var request = IfReq.For(name);
            request.Flags = Sys.IFF_TAP | Sys.IFF_NO_PI | Sys.IFF_VNET_HDR;
            if (ioctl(fd, Sys.TUNSETIFF, &request) < 0) throw NativeError.Last($"ioctl(TUNSETIFF, {name})");

            int headerSize = VirtioNetHeader.Length;
            if (ioctl(fd, Sys.TUNSETVNETHDRSZ, &headerSize) < 0) throw NativeError.Last($"ioctl(TUNSETVNETHDRSZ, {name})");
            uint offloads = Sys.TUN_F_CSUM | Sys.TUN_F_TSO4 | Sys.TUN_F_TSO6 | Sys.TUN_F_TSO_ECN;
            if (ioctl(fd, Sys.TUNSETOFFLOAD, (int)offloads) < 0) throw NativeError.Last($"ioctl(TUNSETOFFLOAD, {name})");

            NetInterface.SetTxQueueLength(name, QueueLength);
            NetInterface.SetMac(name, mac);
            NetlinkLink.SetGroup(name, group);
            NetInterface.SetUp(name, true);
            return new TapPort(name, handle, mac, NetInterface.Index(name), NetInterface.Mtu(name));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // Reads to queue on the worker's ring next time (TapRingIo.ReadAheadAfter); only the port's receiver touches it.
    private int _readAhead = TapRingIo.MinReadAhead;

    public int Receive(PacketBatch batch, PortCounters counters, ushort index)
    {
        // After a receive that found two frames or more, read a batch through the worker's ring; after one
        // or none, read() (TapRingIo says why).
        if (_readAhead > TapRingIo.MinReadAhead && WorkerRing.Current is { } ring) return TapRingIo.Receive(ring, _fd.Fd, batch, ref _readAhead);
        // A TAP gives one frame per read(); drain until empty or the batch is full.
        int count = 0;
        int room = batch.PacketRoom;
        while (count < batch.Capacity)
        {
            byte* slot = batch.Slot(count) + PacketBatch.Headroom;
            long n = read(_fd.Fd, slot, room);
            if (n <= 0) break; // EAGAIN: drained. Other errors (EIO when the device is gone) also end the batch.
            batch.Set(count, PacketBatch.Headroom, (int)n);
            count++;
        }
        batch.Count = count;
        _readAhead = TapRingIo.ReadAheadAfter(count);
        return count;
    }

    public int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        // Two frames or more: one submission on the worker's ring. One frame: write().
        if (packets.Length >= RingWrites.MinBatch && WorkerRing.Current is { } ring)
            return RingWrites.Transmit(ring, _fd.Fd, batch, packets, resend: default, resendErrno: 0, out _, out frameBytes, out errors);
        // A TAP takes one frame per write(). A write that fails drops that frame only: counted as an
        // error when the kernel refused the frame, as a drop when there was no room or no reader.
        int sent = 0;
        errors = 0;
        frameBytes = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            int packet = packets[i];
            int length = batch.Length(packet);
            if (write(_fd.Fd, batch.Data(packet), length) < 0)
            {
                if (!TransmitErrno.IsNoRoom(Marshal.GetLastPInvokeError())) errors++;
                continue;
            }
            sent++;
            frameBytes += length - VirtioNetHeader.Length;
        }
        return sent;
    }

    /// <summary>
    /// Frames tun dropped on their way to us since the port opened (the device's tx_dropped: its queue to
    /// the reader was full). If the device cannot be asked (it is being deleted), the last figure stands.
    /// </summary>
    public long KernelReceiveDrops()
    {
        try { _kernelDrops = TapDeviceStats.TxDropped(_fd.Fd) - _kernelDropsAtOpen; }
        catch (IOException) { }
        return _kernelDrops;
    }

    public void Dispose() => _fd.Dispose();
}
