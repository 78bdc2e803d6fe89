namespace VSwitch.Core.Switching;

/// <summary>Why the datapath dropped a frame. Counted per port; never logged per frame.</summary>
public enum DropReason
{
    /// <summary>Shorter than an Ethernet header.</summary>
    TooShort,
    /// <summary>Source MAC multicast, broadcast or zero.</summary>
    InvalidSource,
    /// <summary>A VLAN-tagged frame on a port that only takes untagged frames.</summary>
    VlanNotAllowed,
    /// <summary>Known destination is the port the frame came from (the kernel bridge filters these too).</summary>
    DestinationIsIngress,
    /// <summary>Larger than the receive buffer; cut by the kernel.</summary>
    Truncated,
    /// <summary>The destination had no room (socket buffer or TAP queue full) or no link.</summary>
    TxQueueFull,
    /// <summary>A tagged frame from the uplink whose VLAN no bridge on that PIF carries.</summary>
    UnknownVlan,
    /// <summary>Received on a bond member that is not carrying traffic (active-backup standby, or a flood on a
    /// non-designated balance-slb member).</summary>
    BondStandby,
    /// <summary>balance-slb: one of our own frames, sent back by the upstream switch on another member.</summary>
    BondReflection,
    /// <summary>The kernel refused the frame itself (bad length, a virtio-net header it would not take).</summary>
    TxError,
    /// <summary>
    /// Dropped by the kernel before the switch saw it, because the port's receive ring or socket queue was
    /// full (a raw port's PACKET_STATISTICS, counted by the port's worker once it has made room again), or
    /// because a tap port's TAP queue was (tun's tx_dropped, read from the device when figures are asked for).
    /// </summary>
    RxQueueFull,
    /// <summary>Its payload (its segments', for a TSO frame) is larger than the egress port's MTU, as the kernel bridge
    /// drops it.</summary>
    MtuExceeded,
    /// <summary>The port's locking mode is disabled: nothing goes from it or to it.</summary>
    PortDisabled,
    /// <summary>A locked port sent a frame whose source MAC is not its own.</summary>
    LockedMac,
    /// <summary>A locked port sent ARP for a sender MAC or IPv4 address that is not its own.</summary>
    LockedArp,
    /// <summary>A locked port sent IPv4 from an address it is not allowed (DHCP excepted).</summary>
    LockedIpv4,
    /// <summary>
    /// A locked port sent IPv6 from an address it is not allowed, a neighbour advertisement for another
    /// address, or a router's ICMPv6 (advertisement, redirect).
    /// </summary>
    LockedIpv6,
    /// <summary>A locked port sent a protocol locking cannot vouch for (neither ARP, IPv4 nor IPv6, or tagged).</summary>
    LockedProtocol,
}
