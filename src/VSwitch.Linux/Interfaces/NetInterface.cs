using System.Text;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Interfaces;

/// <summary>Interface queries and settings through SIOC* ioctls in the switch's own network namespace.</summary>
public static unsafe class NetInterface
{
    public static bool Exists(string name) => Index(name) != 0;

    /// <summary>The interface index, or 0 when there is no such interface.</summary>
    public static int Index(string name)
    {
        Span<byte> bytes = stackalloc byte[16];
        InterfaceNameBytes.Write(name, bytes);
        fixed (byte* p = bytes) return (int)Sys.if_nametoindex(p);
    }

    /// <summary>The interface's name now, or null when there is no interface with that index (any more).</summary>
    public static string? NameOf(int index)
    {
        byte* name = stackalloc byte[16];
        return Sys.if_indextoname((uint)index, name) == null ? null : IfReq.NameOf(new ReadOnlySpan<byte>(name, 16));
    }

    /// <summary>The interface's MTU: the largest L3 payload a frame through it may carry.</summary>
    public static int Mtu(string name)
    {
        var request = IfReq.For(name);
        Ioctl(SIOCGIFMTU, ref request, "SIOCGIFMTU", name);
        return request.Index; // ifr_mtu shares the union with ifr_ifindex
    }

    public static MacAddress GetMac(string name)
    {
        var request = IfReq.For(name);
        Ioctl(SIOCGIFHWADDR, ref request, "SIOCGIFHWADDR", name);
        return MacAddress.Read(new ReadOnlySpan<byte>(request.HwAddress, 6));
    }

    public static void SetMac(string name, MacAddress mac)
    {
        var request = IfReq.For(name);
        request.HwFamily = Sys.ARPHRD_ETHER;
        mac.Write(new Span<byte>(request.HwAddress, 6));
        Ioctl(SIOCSIFHWADDR, ref request, "SIOCSIFHWADDR", name);
    }

    /// <summary>The device's transmit queue length (txqueuelen): for a TAP, how many frames wait for its
    /// reader.</summary>
    public static void SetTxQueueLength(string name, int frames)
    {
        var request = IfReq.For(name);
        request.Index = frames; // ifr_qlen shares the union with ifr_ifindex
        Ioctl(Sys.SIOCSIFTXQLEN, ref request, "SIOCSIFTXQLEN", name);
    }

    public static void SetUp(string name, bool up)
    {
        var request = IfReq.For(name);
        Ioctl(SIOCGIFFLAGS, ref request, "SIOCGIFFLAGS", name);
        short flags = up ? (short)(request.Flags | Sys.IFF_UP) : (short)(request.Flags & ~Sys.IFF_UP);
        if (flags == request.Flags) return;
        request.Flags = flags;
        Ioctl(SIOCSIFFLAGS, ref request, "SIOCSIFFLAGS", name);
    }

    /// <summary>Up, with carrier: IFF_RUNNING is the kernel's operational state (netif_oper_up), which follows
    /// carrier.</summary>
    public static bool IsRunning(string name)
    {
        var request = IfReq.For(name);
        Ioctl(SIOCGIFFLAGS, ref request, "SIOCGIFFLAGS", name);
        return (request.Flags & Sys.IFF_UP) != 0 && (request.Flags & Sys.IFF_RUNNING) != 0;
    }

    /// <summary>Whether SIOCGIFADDR finds an IPv4 address (EADDRNOTAVAIL when there is none).</summary>
    public static bool HasIpv4(string name)
    {
        var request = IfReq.For(name);
        request.HwFamily = (ushort)(int)AF_INET;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw NativeError.Last("socket(AF_INET)");
        try
        {
            return ioctl(fd, SIOCGIFADDR, &request) == 0;
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>
    /// Sets the interface's IPv4 address and netmask (SIOCSIFADDR, SIOCSIFNETMASK), replacing the one it had;
    /// null removes it (setting 0.0.0.0 deletes the address, as `ifconfig IF 0.0.0.0` does).
    /// </summary>
    public static void SetIpv4(string name, ManagementAddress? address)
    {
        var request = IfReq.For(name);
        request.HwFamily = (ushort)(int)AF_INET;
        request.Ipv4 = address is null ? 0 : BitConverter.ToUInt32(address.Ip.GetAddressBytes());
        Ioctl(SIOCSIFADDR, ref request, "SIOCSIFADDR", name);
        if (address is null) return;
        request = IfReq.For(name);
        request.HwFamily = (ushort)(int)AF_INET;
        request.Ipv4 = BitConverter.ToUInt32(address.Netmask.GetAddressBytes());
        Ioctl(SIOCSIFNETMASK, ref request, "SIOCSIFNETMASK", name);
    }

    private static void Ioctl(int command, ref IfReq request, string what, string name)
    {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw NativeError.Last("socket(AF_INET)");
        try
        {
            fixed (IfReq* r = &request)
                if (ioctl(fd, command, r) < 0) throw NativeError.Last($"ioctl({what}, {name})");
        }
        finally
        {
            close(fd);
        }
    }
}
