using VSwitch.Core.Switching;

namespace VSwitch.Core.Switching;

/// <summary>The names drop reasons have in stats output and metrics, and which ifconfig column counts them.</summary>
public static class DropReasonNames
{
    public static string Of(DropReason reason) => reason switch
    {
        DropReason.TooShort => "too_short",
        DropReason.InvalidSource => "invalid_source_mac",
        DropReason.VlanNotAllowed => "vlan_not_allowed",
        DropReason.DestinationIsIngress => "destination_is_ingress",
        DropReason.Truncated => "truncated",
        DropReason.TxQueueFull => "tx_queue_full",
        DropReason.TxError => "tx_error",
        DropReason.UnknownVlan => "unknown_vlan",
        DropReason.BondStandby => "bond_standby",
        DropReason.BondReflection => "bond_reflection",
        DropReason.RxQueueFull => "rx_queue_full",
        DropReason.MtuExceeded => "mtu_exceeded",
        DropReason.PortDisabled => "port_disabled",
        DropReason.LockedMac => "locked_mac",
        DropReason.LockedArp => "locked_arp",
        DropReason.LockedIpv4 => "locked_ipv4",
        DropReason.LockedIpv6 => "locked_ipv6",
        DropReason.LockedProtocol => "locked_protocol",
        _ => reason.ToString(),
    };

    /// <summary>ifconfig's "RX errors": frames that were malformed on arrival.</summary>
    public static bool IsRxError(DropReason reason)
        => reason is DropReason.TooShort or DropReason.InvalidSource or DropReason.Truncated;

    public static bool IsTx(DropReason reason)
        => reason is DropReason.TxQueueFull or DropReason.TxError or DropReason.MtuExceeded;
}
