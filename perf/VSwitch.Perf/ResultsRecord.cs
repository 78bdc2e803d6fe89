using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VSwitch.Perf;

/// <summary>
/// The benchmark's record: one tab-separated file that every full run appends its measurements to, one
/// row per round and figure: date, commit, machine, switch, figure, value, congestion control. A run is
/// its date (when it started, to the minute); reports and plots are made from the record, never kept.
/// </summary>
public static partial class ResultsRecord
{
    public const string Header = "date\tcommit\tmachine\tswitch\tfigure\tvalue\tcongestion";

    /// <summary>What TCP figures not measured with a congestion control are recorded with.</summary>
    private const string NoCongestion = "-";

    /// <summary>Appends the run compare.sh left in <paramref name="runDir"/> (raw.tsv, machine.tsv) to <paramref
    /// name="record"/>.</summary>
    public static int Append(string record, string runDir)
    {
        string raw = Path.Combine(runDir, "raw.tsv");
        if (!File.Exists(raw)) throw new ArgumentException($"{raw} does not exist: run perf/compare.sh first");
        var machine = ReadMachine(Path.Combine(runDir, "machine.tsv"));
        string date = machine.GetValueOrDefault("date")
            ?? throw new ArgumentException($"{runDir}/machine.tsv has no date line");
        if (File.Exists(record) && Runs(record).Contains(date))
            throw new ArgumentException($"{record} already holds the run of {date}");
        string commit = CommitOf(machine.GetValueOrDefault("versions") ?? "");
        string tcp = machine.GetValueOrDefault("tcp") ?? "";
        // The first TCP pass's algorithm (--congestion, else the machine's default) and the default itself.
        string first = FirstAlgorithm().Match(tcp) is { Success: true } f ? f.Groups[1].Value : "bbr";
        string @default = DefaultAlgorithm().Match(tcp) is { Success: true } d ? d.Groups[1].Value : first;
        var also = AlsoAlgorithm().Matches(tcp).Select(m => m.Groups[1].Value).ToList();
        string host = $"{machine.GetValueOrDefault("machine") ?? "?"}, kernel " +
            $"{machine.GetValueOrDefault("kernel") ?? "?"}, tcp default {@default}";
        // A run of a variant (VSWITCH_ARGS) records it with the switch, so it never stands for VSwitch's defaults.
        string? variant = VariantOptions().Match(machine.GetValueOrDefault("plan") ?? "") is { Success: true } v
            ? v.Groups[1].Value.Trim() : null;

        var rows = new StringBuilder();
        int count = 0;
        foreach (var line in File.ReadLines(raw).Skip(1))
        {
            var fields = line.Split('\t');
            if (fields.Length != 4 || fields[3].Length == 0) continue;
            string @switch = variant is not null && fields[1].StartsWith("vswitch-", StringComparison.Ordinal)
                ? $"{fields[1]} ({variant})" : fields[1];
            var (figure, congestion) = Split(fields[2], first, also);
            rows.Append(CultureInfo.InvariantCulture,
                $"{date}\t{commit}\t{host}\t{@switch}\t{figure}\t{fields[3]}\t{congestion}\n");
            count++;
        }
        bool fresh = !File.Exists(record);
        using var writer = File.AppendText(record);
        if (fresh) writer.Write(Header + "\n");
        writer.Write(rows.ToString());
        return count;
    }

    /// <summary>A raw figure's name and congestion control: tcp1_gbps_cubic is tcp1_gbps with cubic, tcp1_gbps the
    /// first pass's.</summary>
    private static (string Figure, string Congestion) Split(string metric, string first, IReadOnlyList<string> also)
    {
        foreach (var algorithm in also)
            if (metric.EndsWith("_" + algorithm, StringComparison.Ordinal)) return (metric[..^(algorithm.Length + 1)],
                algorithm);
        return IsTcp(metric) ? (metric, first) : (metric, NoCongestion);
    }

    /// <summary>The figures TCP's congestion control bears on: its throughput, its CPU, and its tx-off flags.</summary>
    private static bool IsTcp(string metric) => metric.StartsWith("tcp", StringComparison.Ordinal)
        || metric.Contains("_tcp", StringComparison.Ordinal);

    /// <summary>The runs the record holds, by date, in the order they were appended.</summary>
    public static List<string> Runs(string record) =>
        File.ReadLines(record).Skip(1).Select(l => l.Split('\t', 2)[0]).Where(d => d.Length > 0).Distinct().ToList();

    /// <summary>
    /// One run of the record (<paramref name="date"/>, or the last one appended) as the report reads a run:
    /// TCP figures measured with another algorithm than the machine's default carry its name (tcp1_gbps_cubic).
    /// </summary>
    public static ResultSet Load(string record, string? date = null)
    {
        if (!File.Exists(record)) throw new ArgumentException($"{record} does not exist");
        var runs = Runs(record);
        if (runs.Count == 0) throw new ArgumentException($"{record} holds no run");
        date ??= runs[^1];
        if (!runs.Contains(date)) throw new ArgumentException($"{record} holds no run of {date} (it has " +
            $"{string.Join(", ", runs)})");
        var set = new ResultSet();
        var others = new List<string>();
        int number = 0;
        foreach (var line in File.ReadLines(record))
        {
            number++;
            var f = line.Split('\t');
            if (number == 1 || f[0] != date) continue;
            if (f.Length != 7)
                throw new ArgumentException($"{record}:{number}: expected 7 tab-separated fields, got {f.Length}");
            if (!double.TryParse(f[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || !double.IsFinite(value))
                throw new ArgumentException($"{record}:{number}: '{f[5]}' is not a number ({f[3]} {f[4]})");
            if (set.Machine.Count == 0)
            {
                set.Machine["machine"] = f[2];
                set.Machine["versions"] = $"vswitch {f[1]}";
                set.Machine["date"] = date;
            }
            string @default = DefaultInMachine().Match(f[2]) is { Success: true } d ? d.Groups[1].Value : "bbr";
            string congestion = f[6];
            bool plain = congestion == NoCongestion || congestion == @default;
            if (!plain && !others.Contains(congestion)) others.Add(congestion);
            set.Add(f[3], plain ? f[4] : ResultSet.WithCongestion(f[4], congestion), value);
        }
        string def = DefaultInMachine().Match(set.Machine["machine"]) is { Success: true } m ? m.Groups[1].Value
            : "bbr";
        set.Machine["tcp"] = $"congestion control {def}, the machine's default" + (others.Count > 0
            ? $"; TCP also with {string.Join(", ", others)}" : "");
        return set;
    }

    private static Dictionary<string, string> ReadMachine(string path)
    {
        var lines = new Dictionary<string, string>();
        if (!File.Exists(path)) return lines;
        foreach (var line in File.ReadLines(path))
            if (line.Split('\t', 2) is [var key, var value]) lines[key] = value;
        return lines;
    }

    /// <summary>"… vswitch 2e88714-dirty (…)" → 2e88714-dirty.</summary>
    private static string CommitOf(string versions) => VswitchCommit().Match(versions) is { Success: true } m
        ? m.Groups[1].Value : "?";

    [GeneratedRegex(@"congestion control (\w+)")]
    private static partial Regex FirstAlgorithm();

    [GeneratedRegex(@"the machine's default is (\w+)")]
    private static partial Regex DefaultAlgorithm();

    [GeneratedRegex(@"TCP also with (\w+)")]
    private static partial Regex AlsoAlgorithm();

    [GeneratedRegex(@"tcp default (\w+)")]
    private static partial Regex DefaultInMachine();

    [GeneratedRegex(@"vswitch ([0-9a-f]{7,}(?:-dirty)?)")]
    private static partial Regex VswitchCommit();

    [GeneratedRegex(@"vswitchd options: ([^;]+)")]
    private static partial Regex VariantOptions();
}
