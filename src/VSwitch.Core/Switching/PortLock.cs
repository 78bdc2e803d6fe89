using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// What a locked or disabled guest port may send, as the datapath checks it frame by frame (XenServer's VIF
/// locking, whose Open vSwitch rules this follows). A locked port's frames must come from its MAC; ARP must
/// claim its MAC and an allowed IPv4 address (or none: a probe); IPv4 must come from an allowed address, except
/// a DHCP client's; IPv6 must come from an allowed address, its own link-local or none (duplicate address
/// detection), may advertise only those as neighbours, and may not act as a router. Anything else is dropped
/// and counted by reason. Immutable, built by the control plane; null on an unlocked port.
/// </summary>
public sealed class PortLock
{
    private const ushort UdpProtocol = 17;
    private const byte IcmpV6 = 58;
    private const ushort DhcpServerPort = 67;

    private readonly MacAddress _mac;
    private readonly uint[] _ipv4;
    private readonly UInt128[] _ipv6;

    private PortLock(bool disabled, MacAddress mac, uint[] ipv4, UInt128[] ipv6)
    {
        IsDisabled = disabled;
        _mac = mac;
        _ipv4 = ipv4;
        _ipv6 = ipv6;
    }

    public static PortLock Disabled { get; } = new(true, default, [], []);

    /// <summary>Frames from <paramref name="mac"/> and the allowed addresses; the port's IPv6 link-local (its MAC's
    /// EUI-64) is allowed with them.</summary>
    public static PortLock Locked(MacAddress mac, IEnumerable<IPAddress> ipv4, IEnumerable<IPAddress> ipv6) =>
        new(false, mac, ipv4.Select(a => BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes())).ToArray(),
            ipv6.Select(a => BinaryPrimitives.ReadUInt128BigEndian(a.GetAddressBytes()))
                .Append(LinkLocal(mac)).Distinct().ToArray());

    /// <summary>Nothing goes from the port or to it.</summary>
    public bool IsDisabled { get; }

    /// <summary>fe80::/64 with the modified EUI-64 of <paramref name="mac"/> (RFC 4291, appendix A).</summary>
    public static UInt128 LinkLocal(MacAddress mac)
    {
        Span<byte> m = stackalloc byte[MacAddress.Length];
        mac.Write(m);
        ulong interfaceId = ((ulong)(m[0] ^ 0x02) << 56) | ((ulong)m[1] << 48) | ((ulong)m[2] << 40) | (0xFFUL << 32)
            | (0xFEUL << 24) | ((ulong)m[3] << 16) | ((ulong)m[4] << 8) | m[5];
        return new UInt128(0xFE80_0000_0000_0000UL, interfaceId);
    }

    /// <summary>Why the port may not send this frame, or null when it may. <paramref name="raw"/> is the whole
    /// frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DropReason? Refuses(in EthernetFrame frame, ReadOnlySpan<byte> raw)
    {
        if (IsDisabled) return DropReason.PortDisabled;
        if (frame.Source != _mac) return DropReason.LockedMac;
        if (frame.IsTagged) return DropReason.LockedProtocol;
        var l3 = raw[EthernetFrame.HeaderLength..];
        return frame.EtherType switch
        {
            EtherType.Arp => ArpAllowed(l3) ? null : DropReason.LockedArp,
            EtherType.IPv4 => Ipv4Allowed(l3) ? null : DropReason.LockedIpv4,
            EtherType.IPv6 => Ipv6Allowed(l3) ? null : DropReason.LockedIpv6,
            _ => DropReason.LockedProtocol,
        };
    }

    /// <summary>Ethernet/IPv4 ARP whose sender is the port's MAC and an allowed address, or 0.0.0.0 (a
    /// probe).</summary>
    private bool ArpAllowed(ReadOnlySpan<byte> arp)
    {
        if (arp.Length < 28 || BinaryPrimitives.ReadUInt16BigEndian(arp) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherType.IPv4 || arp[4] != 6 || arp[5] != 4)
            return false;
        if (MacAddress.Read(arp[8..]) != _mac) return false;
        uint sender = BinaryPrimitives.ReadUInt32BigEndian(arp[14..]);
        return sender == 0 || Contains(_ipv4, sender);
    }

    /// <summary>From an allowed address, or a DHCP client's request to a server (UDP to port 67).</summary>
    private bool Ipv4Allowed(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4) return false;
        if (Contains(_ipv4, BinaryPrimitives.ReadUInt32BigEndian(ip[12..]))) return true;
        int header = (ip[0] & 0x0F) * 4;
        bool firstFragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1FFF) == 0;
        return ip[9] == UdpProtocol && firstFragment && header >= 20 && ip.Length >= header + 8
            && BinaryPrimitives.ReadUInt16BigEndian(ip[(header + 2)..]) == DhcpServerPort;
    }

    /// <summary>
    /// From an allowed address, the port's link-local or :: (duplicate address detection, MLD). ICMPv6 that
    /// follows the fixed header directly is looked at further: neighbour advertisements must be for an
    /// allowed address, and a router's messages are not a guest's to send.
    /// </summary>
    private bool Ipv6Allowed(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 40 || ip[0] >> 4 != 6) return false;
        var source = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
        if (source != UInt128.Zero && !Contains(_ipv6, source)) return false;
        if (ip[6] != IcmpV6) return true;
        if (ip.Length < 41) return false;
        byte type = ip[40];
        return type switch
        {
            // Router advertisement, redirect, mobile prefix and multicast router messages.
            134 or 137 or 146 or 147 or 151 or 152 or 153 => false,
            // Neighbour advertisement: the target is the address it speaks for.
            136 => ip.Length >= 64 && Contains(_ipv6, BinaryPrimitives.ReadUInt128BigEndian(ip[48..])),
            _ => true,
        };
    }

    private static bool Contains<T>(T[] set, T value) where T : IEquatable<T>
    {
        foreach (var item in set)
            if (item.Equals(value)) return true;
        return false;
    }
}
