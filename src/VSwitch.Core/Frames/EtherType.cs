namespace VSwitch.Core.Frames;

/// <summary>The EtherType values switching has to recognise.</summary>
public static class EtherType
{
    public const ushort IPv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Rarp = 0x8035;
    public const ushort IPv6 = 0x86DD;
    /// <summary>IEEE 802.1Q customer tag (C-tag).</summary>
    public const ushort Vlan = 0x8100;
    /// <summary>IEEE 802.1ad service tag (S-tag).</summary>
    public const ushort QinQ = 0x88A8;

    public static bool IsVlanTag(ushort type) => type == Vlan || type == QinQ;
}
