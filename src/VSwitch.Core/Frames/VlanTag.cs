namespace VSwitch.Core.Frames;

/// <summary>An 802.1Q tag control field: priority (PCP), drop eligible (DEI) and VLAN ID.</summary>
public readonly struct VlanTag
{
    public const int Length = 4;
    public const int MaxId = 4094;

    public VlanTag(ushort tpid, ushort tci)
    {
        Tpid = tpid;
        Tci = tci;
    }

    public ushort Tpid { get; }
    public ushort Tci { get; }
    public int Id => Tci & 0x0FFF;
    public int Priority => Tci >> 13;
    public bool DropEligible => (Tci & 0x1000) != 0;

    /// <summary>VLAN IDs 0 (priority tag only) and 4095 (reserved) never name a VLAN.</summary>
    public static bool IsValidId(int id) => id is >= 1 and <= MaxId;
}
