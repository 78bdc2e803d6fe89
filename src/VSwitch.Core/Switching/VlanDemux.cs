namespace VSwitch.Core.Switching;

/// <summary>
/// The receive side of one PIF member, as the datapath sees it in one snapshot: which bridge's uplink port
/// each frame belongs to, by its outer 802.1Q tag, and which frames a bond member may take at all
/// (<see cref="BondAdmission"/>). Immutable.
/// </summary>
public sealed class VlanDemux
{
    /// <param name="byVlan">For each VLAN ID 0–4095, the uplink port that takes it (0: none, drop).</param>
    /// <param name="popTag">For each VLAN ID, whether the tag comes off (a VLAN network) or stays (the untagged
    /// network's trunk guests).</param>
    /// <param name="untagged">The uplink port of the untagged network on this PIF, or 0.</param>
    /// <param name="admission">What the member may take, as a bond member.</param>
    public VlanDemux(ushort[] byVlan, bool[] popTag, ushort untagged, BondAdmission admission)
    {
        if (byVlan.Length != 4096 || popTag.Length != 4096) throw new ArgumentException("one entry per VLAN ID (4096)");
        ByVlan = byVlan;
        PopTag = popTag;
        Untagged = untagged;
        Admission = admission;
    }

    public ushort[] ByVlan { get; }
    public bool[] PopTag { get; }
    public ushort Untagged { get; }
    public BondAdmission Admission { get; }
}
