using System.Runtime.InteropServices;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Linux.Datapath;
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
public sealed unsafe class TapPort : ILinuxPort, IKernelDropCounter, IInterfacePort
{
    private readonly FileDescriptor _fd;
    private readonly DatapathTuning _tuning;
    // The device's tx_dropped when the port opened, and the drops since as last read (KernelReceiveDrops).
    private readonly long _kernelDropsAtOpen;
    private long _kernelDrops;
    // Reads to queue on the worker's ring next time (DatapathTuning.ReadAheadAfter); only the port's receiver touches
    // it.
    private int _readAhead = DatapathTuning.MinReadAhead;

    private TapPort(string name, FileDescriptor fd, MacAddress mac, int index, int mtu, DatapathTuning tuning)
    {
        Name = name;
        _fd = fd;
        Mac = mac;
        Place = new InterfacePlace(null, index);
        Mtu = mtu;
        _tuning = tuning;
        // A TAP created here starts at 0; one that already existed (persistent) may not.
        try { _kernelDropsAtOpen = TapDeviceStats.TxDropped(fd.Fd); }
        catch (IOException) { }
    }

    public string Name { get; }
    public PortKind Kind => PortKind.Tap;
    public MacAddress Mac { get; }
    public int Fd => _fd.Fd;
    public int Mtu { get; }
    /// <summary>Where the TAP was made: the daemon's namespace. Link events follow it from there.</summary>
    public InterfacePlace Place { get; }

    /// <param name="group">The interface group the TAP joins (ip link's `group`): the daemon removes all its TAPs of a
    /// namespace at once by it when it stops, which the kernel does far faster than one at a time.</param>
    public static TapPort Create(string name, MacAddress mac, int group, DatapathTuning tuning)
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
            if (ioctl(fd, Sys.TUNSETVNETHDRSZ,
                &headerSize) < 0) throw NativeError.Last($"ioctl(TUNSETVNETHDRSZ, {name})");
            uint offloads = Sys.TUN_F_CSUM | Sys.TUN_F_TSO4 | Sys.TUN_F_TSO6 | Sys.TUN_F_TSO_ECN;
            if (ioctl(fd, Sys.TUNSETOFFLOAD,
                (int)offloads) < 0) throw NativeError.Last($"ioctl(TUNSETOFFLOAD, {name})");

            // An operator may still change it with `ip link set DEV txqueuelen N`.
            NetInterface.SetTxQueueLength(name, tuning.TapQueueLength);
            NetInterface.SetMac(name, mac);
            NetlinkLink.SetGroup(name, group);
            NetInterface.SetUp(name, true);
            return new TapPort(name, handle, mac, NetInterface.Index(name), NetInterface.Mtu(name), tuning);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After a receive that found two frames or more, a batch is read through the worker's ring; after one
    /// or none, read() (<see cref="TapRingIo"/> says why).
    /// </summary>
    public int Receive(PacketBatch batch, DropCounter drops)
    {
        if (_readAhead > DatapathTuning.MinReadAhead && WorkerRing.Current is { } ring) return TapRingIo.Receive(ring,
            _fd.Fd, batch, ref _readAhead);
        // A TAP gives one frame per read(); drain until empty or the batch is full.
        int count = 0;
        while (count < batch.Capacity)
        {
            var area = batch.ReceiveArea(count, VirtioNetHeader.Length);
            long n;
            fixed (byte* into = area) n = read(_fd.Fd, into, area.Length);
            if (n <= 0) break; // EAGAIN: drained. Other errors (EIO when the device is gone) also end the batch.
            if (n <= VirtioNetHeader.Length)
            {
                drops.Add(DropReason.TooShort);
                continue;
            }
            VirtioNetHeader.Received(batch, count, PacketBatch.Headroom - VirtioNetHeader.Length, (int)n);
            count++;
        }
        batch.Count = count;
        _readAhead = DatapathTuning.ReadAheadAfter(count);
        return count;
    }

    /// <summary>
    /// Two frames or more: one submission on the worker's ring. One frame: write(). A write that fails drops
    /// that frame only: an error when the kernel refused the frame, no room when the TAP had none or no reader.
    /// </summary>
    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        if (packets.Length >= _tuning.RingMinBatch && WorkerRing.Current is { } ring)
            return RingWrites.Transmit(ring, _fd.Fd, batch, packets, resend: default, resendErrno: 0, out _);
        var tally = new TxTally();
        foreach (int packet in packets)
        {
            byte* data = VirtioNetHeader.Prepend(batch, packet);
            int length = batch.Length(packet);
            if (write(_fd.Fd, data, VirtioNetHeader.Length + length) >= 0) tally.Delivered(length);
            else if (!TransmitErrno.IsNoRoom(Marshal.GetLastPInvokeError())) tally.Refused();
        }
        return tally.Of(packets.Length);
    }

    /// <summary>
    /// tun reports EPOLLERR only once its interface is gone (deleted, or with the namespace it was moved to,
    /// which deletes it), and then on every poll: nothing more will come.
    /// </summary>
    public PortHealth Poll() => PortHealth.Gone;

    /// <summary>Asks the descriptor where the TAP is now and what it is called there.</summary>
    public bool IsNow(int? ns, string name) => Location() is { } now && now.Name == name && now.Namespace == ns;

    /// <summary>The TAP's name and our id for its namespace now (null: ours), or null when it cannot be asked
    /// (gone).</summary>
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
