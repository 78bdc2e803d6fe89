using System.Globalization;
using System.Text;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>`bond show`, laid out like `ovs-appctl bond/show`.</summary>
public static class BondFormat
{
    public static string Show(IEnumerable<(Pif Bond, IReadOnlyList<string> Bridges, Func<PifLink, int, long> Counter)> bonds)
    {
        var text = new StringBuilder();
        foreach (var (bond, bridges, counter) in bonds)
        {
            var settings = bond.Bond!;
            text.Append(CultureInfo.InvariantCulture, $"---- {bond.Name} ----\n");
            text.Append(CultureInfo.InvariantCulture, $"bond_mode: {BondModeNames.Of(settings.Mode)}\n");
            text.Append(CultureInfo.InvariantCulture, $"updelay: {settings.UpdelayMs} ms\n");
            text.Append(CultureInfo.InvariantCulture, $"downdelay: {settings.DowndelayMs} ms\n");
            text.Append(CultureInfo.InvariantCulture, $"active-backup primary: {settings.Primary ?? "<none>"}\n");
            text.Append(CultureInfo.InvariantCulture, $"bond mac: {bond.Mac}{(settings.MacGiven ? "" : $" (from {bond.Links[0].Name})")}\n");
            text.Append(CultureInfo.InvariantCulture, $"active member: {bond.Active?.Name ?? "<none>"}\n");
            text.Append(CultureInfo.InvariantCulture, $"failovers: {bond.Failovers}{(bond.LastFailover is { } last ? $" (last {Stamp(last)})" : "")}\n");
            text.Append(CultureInfo.InvariantCulture, $"used by: {(bridges.Count == 0 ? "<none>" : string.Join(", ", bridges))}\n");
            foreach (var link in bond.Links)
            {
                text.Append(CultureInfo.InvariantCulture, $"\nmember {link.Name}: {(link.Enabled ? "enabled" : "disabled")}\n");
                if (link == bond.Active) text.Append("  active member\n");
                text.Append(CultureInfo.InvariantCulture, $"  link: {(!link.Present ? "absent" : link.Carrier ? "up" : "down")} since {Stamp(link.LastChange)}\n");
                if (link.Pending is not null) text.Append(CultureInfo.InvariantCulture, $"  waiting for {(link.Carrier ? "updelay" : "downdelay")}\n");
                text.Append(CultureInfo.InvariantCulture,
                    $"  rx packets {counter(link, PortCounters.RxPackets)}  dropped as standby {counter(link, PortCounters.FirstDrop + (int)DropReason.BondStandby)}\n");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
