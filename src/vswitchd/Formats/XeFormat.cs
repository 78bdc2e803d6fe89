using System.Text;
using VSwitch.Core.Control;

namespace VSwitch.Daemon.Formats;

/// <summary>
/// The *-list commands' arguments and output: xe's param=value filters, params= field selection, and
/// records printed as xe prints them ("uuid ( RO)    : …" with the colons aligned, two blank lines between).
/// </summary>
public static class XeFormat
{
    /// <summary>Keeps the records matching every filter and, with params=, only the fields asked for.</summary>
    public static List<XeRecord> Select(string command, List<XeRecord> records, IReadOnlyList<string> names,
        IEnumerable<string> arguments)
    {
        List<string>? wanted = null;
        foreach (var (name, value) in XeArguments.Parse(command, arguments))
        {
            if (name == "params")
            {
                wanted = value == "all" ? null : value.Split(',',
                    StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                foreach (var field in wanted ?? []) CheckName(command, field, names);
                if (wanted is { Count: 0 })
                    throw new ConfigException($"{command}: params= names the parameters to show (or all)");
                continue;
            }
            CheckName(command, name, names);
            records = records.Where(r => r.Get(name) == value).ToList();
        }
        if (wanted is null) return records;
        return records.Select(r => new XeRecord(r.Fields.Where(f => wanted.Contains(f.Name)).ToList())).ToList();
    }

    public static string Text(IReadOnlyList<XeRecord> records)
    {
        if (records.Count == 0) return "";
        int width = records.SelectMany(r => r.Fields).Max(f => Label(f).Length);
        var text = new StringBuilder();
        foreach (var record in records)
        {
            for (int i = 0; i < record.Fields.Count; i++)
            {
                var field = record.Fields[i];
                string label = Label(field);
                text.Append(i == 0 ? label.PadRight(width)
                    : label.PadLeft(width)).Append(": ").Append(field.Value).Append('\n');
            }
            text.Append("\n\n");
        }
        return text.ToString();
    }

    public static List<Dictionary<string, string>> Json(IEnumerable<XeRecord> records) =>
        records.Select(r => r.Fields.ToDictionary(f => f.Name, f => f.Value)).ToList();

    private static string Label(XeField field) => $"{field.Name} ({field.Access,3})";

    private static void CheckName(string command, string name, IReadOnlyList<string> names)
    {
        if (!names.Contains(name))
            throw new ConfigException($"{command}: unknown parameter '{name}'; the parameters are " +
                $"{string.Join(", ", names)}");
    }
}
