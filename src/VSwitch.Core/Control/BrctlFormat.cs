using System.Globalization;
using System.Text;
using VSwitch.Core.Fdb;

namespace VSwitch.Core.Control;

/// <summary>Text output in the formats of brctl show, brctl showmacs and ifconfig-style stats.</summary>
public static class BrctlFormat
{
    /// <summary>brctl show: bridge id is priority 8000 and the bridge MAC; STP is not implemented, so "no".</summary>
    public static string Show(IEnumerable<Bridge> bridges)
    {
        var text = new StringBuilder("bridge name\tbridge id\t\tSTP enabled\tinterfaces\n");
        foreach (var bridge in bridges)
        {
            text.Append(bridge.Name).Append("\t\t8000.").Append(bridge.Mac.ToString().Replace(":", "")).Append("\tno\t\t");
            var names = bridge.AllPorts().Where(p => p.Role != Switching.PortRole.Host).Select(p => p.Name)
                .Concat(bridge.Absent.Select(p => p.Name + " (absent)")).ToList();
            if (names.Count == 0) text.Append('\n');
            for (int i = 0; i < names.Count; i++)
                text.Append(i == 0 ? "" : "\t\t\t\t\t\t\t").Append(names[i]).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>brctl showmacs: port number within the bridge, MAC, local flag, seconds since last seen.</summary>
    public static string ShowMacs(Bridge bridge, IEnumerable<FdbEntry> entries)
    {
        var numbers = bridge.AllPorts().ToDictionary(p => p.Index, p => p.Number);
        var text = new StringBuilder("port no\tmac addr\t\tis local?\tageing timer\n");
        foreach (var entry in entries.Where(e => numbers.ContainsKey(e.Port)).OrderBy(e => numbers[e.Port]).ThenBy(e => e.Mac.Value))
        {
            long age = entry.IsStatic ? 0 : entry.AgeMilliseconds;
            text.Append(CultureInfo.InvariantCulture, $"{numbers[entry.Port],3}\t{entry.Mac}\t{(entry.IsLocal ? "yes" : "no")}\t\t{age / 1000,4}.{age % 1000 / 10:D2}\n");
        }
        return text.ToString();
    }

    public static string Stats(IEnumerable<PortStats> stats)
    {
        var text = new StringBuilder();
        foreach (var s in stats)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Port} ({s.Kind}, bridge {s.Bridge})\n");
            text.Append(CultureInfo.InvariantCulture, $"        RX packets {s.RxPackets}  bytes {s.RxBytes}  dropped {s.RxDropped}\n");
            text.Append(CultureInfo.InvariantCulture, $"        TX packets {s.TxPackets}  bytes {s.TxBytes}  dropped {s.TxDropped}\n");
            text.Append(CultureInfo.InvariantCulture, $"        flooded {s.Flooded}\n");
            foreach (var (reason, count) in s.DropsByReason.OrderBy(r => r.Key, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"        drop {reason} {count}\n");
        }
        return text.ToString();
    }
}
