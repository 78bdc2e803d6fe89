using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// A physical attachment to the outside network: one NIC, or a bond of several. Bridges sit on it: at most
/// one untagged (xenbr1 on eth1) and any number of VLAN networks (xapi5 on eth1, shown as eth1.5). A plain
/// NIC's PIF exists while a bridge uses it; a bond's exists from addbond to delbond.
/// </summary>
public sealed class Pif(string name, MacAddress mac, List<PifLink> links, BondSettings? bond)
{
    public string Name { get; } = name;
    public MacAddress Mac { get; } = mac;
    /// <summary>False when every link was missing at start and the MAC was made up for now.</summary>
    public bool MacKnown { get; init; } = true;
    public List<PifLink> Links { get; } = links;
    /// <summary>Null for a plain NIC.</summary>
    public BondSettings? Bond { get; } = bond;
    public bool IsBond => Bond is not null;
    /// <summary>active-backup: the link that carries traffic, or null when none is enabled.</summary>
    public PifLink? Active { get; set; }
    public int Failovers { get; set; }
    public DateTime? LastFailover { get; set; }

    private bool Balanced => Bond?.Mode == BondMode.BalanceSlb;

    /// <summary>The links the bridges' uplinks send through, in this order (balance-slb hashes over it).</summary>
    public IUplinkMember[] CarryingLinks()
    {
        if (!IsBond) return Links[0].Member is { } nic ? [nic] : [];
        if (Balanced) return Links.Where(l => l.Enabled).Select(l => l.Member!).ToArray();
        return Active?.Member is { } active ? [active] : [];
    }

    /// <summary>Whether any of the PIF's interfaces is there (a NIC's one, or a bond's members).</summary>
    public bool Present => Links.Any(l => l.Present);

    /// <summary>The smallest MTU of the links that are there: what a frame out of the uplink may carry.</summary>
    public int Mtu => Links.Where(l => l.Present).Select(l => l.Mtu).DefaultIfEmpty(IPortDevice.DefaultMtu).Min();

    /// <summary>Whether frames received on <paramref name="link"/> are switched at all.</summary>
    public bool Receives(PifLink link) => !IsBond || (Balanced ? link.Enabled : link == Active);

    /// <summary>balance-slb takes floods on one link only (the first enabled), as the upstream switch sends them to every link.</summary>
    public bool TakesFloods(PifLink link) => !Balanced || link == Links.FirstOrDefault(l => l.Enabled);

    public bool RejectsReflections => Balanced;
}

/// <summary>A bond's settings, as given to addbond and persisted.</summary>
public sealed record BondSettings(BondMode Mode, string? Primary, int UpdelayMs, int DowndelayMs, string Uuid, bool MacGiven);
