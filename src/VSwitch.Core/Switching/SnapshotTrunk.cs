namespace VSwitch.Core.Switching;

/// <summary>
/// The receive side of one physical link under a PIF, as the datapath sees it in one snapshot: which
/// bridge's uplink port each frame belongs to, by its outer 802.1Q tag. Immutable.
/// </summary>
public sealed class SnapshotTrunk
{
    /// <param name="byVlan">For each VLAN ID 0–4095, the uplink port that takes it (0: none, drop).</param>
    /// <param name="popTag">For each VLAN ID, whether the tag comes off (a VLAN network) or stays (the untagged network's trunk guests).</param>
    /// <param name="untagged">The uplink port of the untagged network on this PIF, or 0.</param>
    /// <param name="enabled">False for a standby bond member: everything it receives is dropped.</param>
    /// <param name="floodsAccepted">False on balance-slb members other than the designated one, so an upstream flood arrives once.</param>
    /// <param name="rejectsReflections">balance-slb: a frame from a MAC learned on a local port is our own, sent back by the upstream switch.</param>
    public SnapshotTrunk(ushort[] byVlan, bool[] popTag, ushort untagged, bool enabled, bool floodsAccepted, bool rejectsReflections)
    {
        if (byVlan.Length != 4096 || popTag.Length != 4096) throw new ArgumentException("one entry per VLAN ID (4096)");
        ByVlan = byVlan;
        PopTag = popTag;
        Untagged = untagged;
        Enabled = enabled;
        FloodsAccepted = floodsAccepted;
        RejectsReflections = rejectsReflections;
    }

    public ushort[] ByVlan { get; }
    public bool[] PopTag { get; }
    public ushort Untagged { get; }
    public bool Enabled { get; }
    public bool FloodsAccepted { get; }
    public bool RejectsReflections { get; }
}
