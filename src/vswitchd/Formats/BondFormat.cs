using System.Globalization;
using System.Text;
using VSwitch.Core.Control;
using VSwitch.Core.Switching;

namespace VSwitch.Daemon.Formats;

/// <summary>`bond show`, laid out like `ovs-appctl bond/show`.</summary>
public static class BondFormat
{
    /// <summary>Every bond, or the one named; an unknown name is refused.</summary>
    public static string Show(SwitchController controller, string? name) => controller.Read((bridges, pifs) =>
    {
        var bonds = pifs.Where(p => p.IsBond && (name is null || p.Name == name)).ToList();
        if (name is not null && bonds.Count == 0) throw new ConfigException($"no bond named {name}");
        var text = new StringBuilder();
        foreach (var bond in bonds)
        {
            var users = bridges.Where(b => b.Pif == bond).Select(b => b.Name).ToList();
            text.Append(Show(bond, users, controller.MemberCounter));
        }
        return text.ToString();
    });

    private static string Show(Pif bond, IReadOnlyList<string> bridges, Func<PifMember, int, long> counter)
    {
        var settings = bond.Bond!;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"---- {bond.Name} ----\n");
        text.Append(CultureInfo.InvariantCulture, $"bond_mode: {BondModeNames.Of(settings.Mode)}\n");
        text.Append(CultureInfo.InvariantCulture, $"updelay: {settings.UpdelayMs} ms\n");
        text.Append(CultureInfo.InvariantCulture, $"downdelay: {settings.DowndelayMs} ms\n");
        text.Append(CultureInfo.InvariantCulture, $"active-backup primary: {settings.Primary ?? "<none>"}\n");
        text.Append(CultureInfo.InvariantCulture,
            $"bond mac: {bond.Mac}{(settings.MacGiven ? "" : $" (from {bond.Members[0].Name})")}\n");
        text.Append(CultureInfo.InvariantCulture, $"active member: {bond.Active?.Name ?? "<none>"}\n");
        text.Append(CultureInfo.InvariantCulture,
            $"failovers: {bond.Failovers}{(bond.LastFailover is { } last ? $" (last {Stamp(last)})" : "")}\n");
        text.Append(CultureInfo.InvariantCulture,
            $"used by: {(bridges.Count == 0 ? "<none>" : string.Join(", ", bridges))}\n");
        foreach (var member in bond.Members)
        {
            string link = !member.Present ? "absent" : member.Carrier ? "up" : "down";
            text.Append(CultureInfo.InvariantCulture,
                $"\nmember {member.Name}: {(member.Enabled ? "enabled" : "disabled")}\n");
            if (member == bond.Active) text.Append("  active member\n");
            text.Append(CultureInfo.InvariantCulture, $"  link: {link} since {Stamp(member.LastChange)}\n");
            if (member.Pending is not null) text.Append(CultureInfo.InvariantCulture,
                $"  waiting for {(member.Carrier ? "updelay" : "downdelay")}\n");
            long standby = counter(member, PortCounters.FirstDrop + (int)DropReason.BondStandby);
            text.Append(CultureInfo.InvariantCulture,
                $"  rx packets {counter(member, PortCounters.RxPackets)}  dropped as standby {standby}\n");
        }
        text.Append('\n');
        return text.ToString();
    }

    private static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
