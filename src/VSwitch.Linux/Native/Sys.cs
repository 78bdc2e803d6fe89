using System.Runtime.InteropServices;

namespace VSwitch.Linux.Native;

/// <summary>
/// The few libc calls and constants Tmds.LibC does not carry: batched socket I/O (recvmmsg, sendmmsg),
/// the TUN/TAP ioctls and the AF_PACKET auxiliary-data flags.
/// </summary>
internal static unsafe partial class Sys
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint if_nametoindex(byte* name);

    [LibraryImport("libc", SetLastError = true)]
    public static partial byte* if_indextoname(uint index, byte* name);

    // <linux/if_tun.h>
    public const int TUNSETIFF = 0x400454ca;
    public const int TUNSETPERSIST = 0x400454cb;
    public const int TUNSETOWNER = 0x400454cc;
    public const int TUNSETOFFLOAD = 0x400454d0;
    public const int TUNSETVNETHDRSZ = 0x400454d8;
    public const int TUNGETIFF = unchecked((int)0x800454d2);
    public const int TUNGETDEVNETNS = 0x54e3;
    public const int SIOCSIFTXQLEN = 0x8943;
    public const short IFF_TAP = 0x0002;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;
    public const uint TUN_F_TSO_ECN = 0x08;

    // <linux/if_packet.h>
    public const int PACKET_IGNORE_OUTGOING = 23;
    /// <summary>In a ring slot's status: the kernel has dropped frames since PACKET_STATISTICS was last read.</summary>
    public const uint TP_STATUS_LOSING = 0x4;
    public const uint TP_STATUS_VLAN_VALID = 0x10;
    public const uint TP_STATUS_VLAN_TPID_VALID = 0x40;
    public const ushort ETH_P_ALL = 0x0003;
    public const ushort ARPHRD_ETHER = 1;

    // <net/if.h>
    public const short IFF_UP = 0x1;
    public const short IFF_RUNNING = 0x40;
    public const short IFF_PROMISC = 0x100;
    /// <summary>Carrier as the driver reports it (RFC 2863 operational state); only in netlink, not in SIOCGIFFLAGS' 16
    /// bits.</summary>
    public const uint IFF_LOWER_UP = 0x10000;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
}

/// <summary><c>struct tpacket_stats</c>, as PACKET_STATISTICS returns it for TPACKET_V1 and V2 (reading resets
/// both).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketStats
{
    public uint Packets;
    public uint Drops;
}

/// <summary><c>struct tpacket_auxdata</c>: what AF_PACKET says about a received frame, including a stripped VLAN
/// tag.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketAuxdata
{
    public uint Status;
    public uint Len;
    public uint Snaplen;
    public ushort Mac;
    public ushort Net;
    public ushort VlanTci;
    public ushort VlanTpid;
}
