using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>The names drop reasons have in stats output and metrics.</summary>
public static class DropReasonNames
{
    public static string Of(DropReason reason) => reason switch
    {
        DropReason.TooShort => "too_short",
        DropReason.InvalidSource => "invalid_source_mac",
        DropReason.VlanNotAllowed => "vlan_not_allowed",
        DropReason.DestinationIsIngress => "destination_is_ingress",
        DropReason.Truncated => "truncated",
        DropReason.TxFailed => "tx_failed",
        _ => reason.ToString(),
    };
}
