using System.Globalization;
using System.Text;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Switching;

namespace VSwitch.Daemon.Formats;

/// <summary>Text output in the formats of brctl show, brctl showmacs and ifconfig's counters, and the same data for
/// --json.</summary>
public static class BrctlFormat
{
    /// <summary>brctl show: bridge id is priority 8000 and the bridge MAC; STP is not implemented, so "no".</summary>
    public static string Show(IEnumerable<Bridge> bridges)
    {
        var text = new StringBuilder("bridge name\tbridge id\t\tSTP enabled\tinterfaces\n");
        foreach (var bridge in bridges)
        {
            text.Append(bridge.Name).Append("\t\t").Append(BridgeId(bridge)).Append("\tno\t\t");
            var names = Interfaces(bridge).Concat(AbsentPorts(bridge).Select(name => name + " (absent)")).ToList();
            if (names.Count == 0) text.Append('\n');
            for (int i = 0; i < names.Count; i++)
                text.Append(i == 0 ? "" : "\t\t\t\t\t\t\t").Append(names[i]).Append('\n');
        }
        return text.ToString();
    }

    public static List<ShowEntry> ShowJson(IEnumerable<Bridge> bridges) => bridges.Select(b => new ShowEntry(
        b.Name, BridgeId(b), false, b.Uplink?.Name, Interfaces(b).ToList(), AbsentPorts(b).ToList())).ToList();

    /// <summary>
    /// brctl showmacs: port number within the bridge, MAC, local flag, seconds since last seen. Static
    /// entries (fdb add) are marked "static" where brctl marks local ones "yes", and never age.
    /// </summary>
    public static string ShowMacs(Bridge bridge, IEnumerable<FdbEntry> entries)
    {
        var text = new StringBuilder("port no\tmac addr\t\tis local?\tageing timer\n");
        foreach (var (entry, port) in Ordered(bridge, entries))
        {
            string marker = entry.IsLocal ? "yes" : entry.IsStatic ? "static" : "no";
            long age = entry.IsStatic ? 0 : entry.AgeMilliseconds;
            text.Append(CultureInfo.InvariantCulture,
                $"{port.Number,3}\t{entry.Mac}\t{marker}\t\t{age / 1000,4}.{age % 1000 / 10:D2}\n");
        }
        return text.ToString();
    }

    public static List<MacEntry> MacEntries(Bridge bridge, IEnumerable<FdbEntry> entries) =>
        Ordered(bridge, entries).Select(x => new MacEntry(x.Port.Number, x.Port.Name, x.Entry.Mac.ToString(),
            x.Entry.IsLocal, x.Entry.IsStatic,
            x.Entry.IsStatic ? 0 : x.Entry.AgeMilliseconds / 1000.0)).ToList();

    private static IEnumerable<(FdbEntry Entry, Port Port)> Ordered(Bridge bridge, IEnumerable<FdbEntry> entries)
    {
        var ports = bridge.AllPorts().ToDictionary(p => p.Index);
        return entries.Where(e => ports.ContainsKey(e.Port)).Select(e => (e, ports[e.Port]))
            .OrderBy(x => x.Item2.Number).ThenBy(x => x.e.Mac.Value);
    }

    /// <summary>ifconfig's vocabulary: RX/TX packets and bytes, errors and dropped; then drops by reason.</summary>
    public static string Stats(IEnumerable<PortStats> stats)
    {
        var text = new StringBuilder();
        foreach (var s in stats)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{s.Port}: {(s.Kind == "bridge" ? "bridge totals" : $"{s.Kind} port of {s.Bridge}")}");
            text.Append(s.Mtu is { } mtu ? $"  mtu {mtu}\n" : "\n");
            text.Append(CultureInfo.InvariantCulture, $"        RX packets {s.RxPackets}  bytes {s.RxBytes}\n");
            text.Append(CultureInfo.InvariantCulture, $"        RX errors {s.RxErrors}  dropped {s.RxDropped}\n");
            text.Append(CultureInfo.InvariantCulture, $"        TX packets {s.TxPackets}  bytes {s.TxBytes}\n");
            text.Append(CultureInfo.InvariantCulture, $"        TX errors {s.TxErrors}  dropped {s.TxDropped}\n");
            text.Append(CultureInfo.InvariantCulture, $"        flooded {s.Flooded}\n");
            if (s.MacLimit is { } limit)
                text.Append(CultureInfo.InvariantCulture,
                    $"        mac limit {limit}  learning refused {s.LearningRefused}\n");
            foreach (var (reason, count) in s.DropsByReason.OrderBy(r => r.Key, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"        drop {reason} {count}\n");
        }
        return text.ToString();
    }

    private static string BridgeId(Bridge bridge) => "8000." + bridge.Mac.ToString().Replace(":", "",
        StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>The attached ports brctl lists: all but the bridge's own interface, and an uplink whose PIF is
    /// there.</summary>
    private static IEnumerable<string> Interfaces(Bridge bridge) =>
        bridge.AllPorts().Where(p => p.Role == PortRole.Guest || (p.Role == PortRole.Uplink
            && bridge.Pif!.Present)).Select(p => p.Name);

    /// <summary>Ports kept without their interface: an uplink whose PIF is missing, and guest ports.</summary>
    private static IEnumerable<string> AbsentPorts(Bridge bridge) =>
        (bridge.Uplink is { } uplink && !bridge.Pif!.Present ? [uplink.Name] : Enumerable.Empty<string>())
        .Concat(bridge.Absent.Select(p => p.Name));
}
