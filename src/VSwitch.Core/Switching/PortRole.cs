using VSwitch.Core.Control;

namespace VSwitch.Core.Switching;

/// <summary>What a port is to its bridge.</summary>
public enum PortRole : byte
{
    /// <summary>A guest or namespace endpoint (a VIF, a tap or raw port added with addif/addtap).</summary>
    Guest,
    /// <summary>The physical uplink of an external bridge (a PIF).</summary>
    Uplink,
    /// <summary>The bridge's own host interface, named as the bridge.</summary>
    Host,
    /// <summary>A PIF's member: its NIC, or one of a bond's; it belongs to no bridge and feeds their uplinks.</summary>
    PifMember,
}
