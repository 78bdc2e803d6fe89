using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// A physical attachment to the outside network: one NIC, or a bond of several. Bridges sit on it: at most
/// one untagged (xenbr1 on eth1) and any number of VLAN networks (xapi5 on eth1, shown as eth1.5). A plain
/// NIC's PIF exists while a bridge uses it; a bond's exists from addbond to delbond.
/// </summary>
public sealed class Pif(string name, MacAddress mac, List<PifMember> members, BondSettings? bond)
{
    public string Name { get; } = name;
    public MacAddress Mac { get; } = mac;
    /// <summary>False when every member was missing at start and the MAC was made up for now.</summary>
    public bool MacKnown { get; init; } = true;
    public List<PifMember> Members { get; } = members;
    /// <summary>Null for a plain NIC.</summary>
    public BondSettings? Bond { get; } = bond;
    public bool IsBond => Bond is not null;
    /// <summary>active-backup: the member that carries traffic, or null when none is enabled.</summary>
    public PifMember? Active { get; set; }
    public int Failovers { get; set; }
    public DateTime? LastFailover { get; set; }

    private bool Balanced => Bond?.Mode == BondMode.BalanceSlb;

    /// <summary>The members the bridges' uplinks send through, in this order (balance-slb hashes over it).</summary>
    public ITaggingPort[] CarryingMembers()
    {
        if (!IsBond) return Members[0].Device is { } nic ? [nic] : [];
        if (Balanced) return Members.Where(m => m.Enabled).Select(m => m.Device!).ToArray();
        return Active?.Device is { } active ? [active] : [];
    }

    /// <summary>Whether any of the PIF's interfaces is there (a NIC's one, or a bond's members).</summary>
    public bool Present => Members.Any(m => m.Present);

    /// <summary>The smallest MTU of the members that are there: what a frame out of the uplink may carry.</summary>
    public int Mtu => Members.Where(m => m.Present).Select(m => m.Mtu).DefaultIfEmpty(IPort.DefaultMtu).Min();

    /// <summary>
    /// What <paramref name="member"/> may take of what it receives: everything on a plain NIC; on an
    /// active-backup bond, only the active member anything; on balance-slb, every enabled member its own
    /// frames, the first enabled one floods too, and none our own frames reflected by the upstream switch.
    /// </summary>
    public BondAdmission Admission(PifMember member)
    {
        if (!IsBond) return BondAdmission.Everything;
        if (!Balanced) return new BondAdmission(member == Active, true, false);
        return new BondAdmission(member.Enabled, member == Members.FirstOrDefault(m => m.Enabled), true);
    }
}

/// <summary>A bond's settings, as given to addbond and persisted.</summary>
public sealed record BondSettings(BondMode Mode, string? Primary, int UpdelayMs, int DowndelayMs, string Uuid,
    bool MacGiven);
