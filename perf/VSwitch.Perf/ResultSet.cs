using System.Globalization;

namespace VSwitch.Perf;

/// <summary>
/// One harness run: the record's rows of it (<see cref="ResultsRecord.Load"/>), or a run directory as
/// perf/compare.sh leaves it (raw.tsv: round, switch, metric, value; machine.tsv).
/// </summary>
public sealed class ResultSet
{
    private readonly Dictionary<(string Switch, string Metric), List<double>> _values = [];

    public List<string> Switches { get; } = [];
    public Dictionary<string, string> Machine { get; } = [];

    public static ResultSet Load(string dir)
    {
        var set = new ResultSet();
        string raw = Path.Combine(dir, "raw.tsv");
        if (!File.Exists(raw)) throw new ArgumentException($"{raw} does not exist: run perf/compare.sh first");
        set.AddRaw(File.ReadLines(raw), raw);
        string machine = Path.Combine(dir, "machine.tsv");
        if (File.Exists(machine))
            foreach (var line in File.ReadLines(machine))
                if (line.Split('\t', 2) is [var key, var value]) set.Machine[key] = value;
        return set;
    }

    public void AddRaw(IEnumerable<string> lines, string source = "raw.tsv")
    {
        int number = 0;
        foreach (var line in lines)
        {
            number++;
            if (number == 1 && line.StartsWith("round\t", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            // An empty value is a measurement that produced nothing (a tool failed): it is left out, and
            // the report shows the figure as missing rather than as zero.
            if (fields.Length != 4)
                throw new ArgumentException($"{source}:{number}: expected 4 tab-separated fields, " +
                $"got {fields.Length}");
            if (fields[3].Length == 0) continue;
            if (!double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || !double.IsFinite(value))
                throw new ArgumentException($"{source}:{number}: '{fields[3]}' is not a number ({fields[1]} " +
                    $"{fields[2]})");
            Add(fields[1], fields[2], value);
        }
    }

    public void Add(string @switch, string metric, double value)
    {
        if (!Switches.Contains(@switch)) Switches.Add(@switch);
        if (!_values.TryGetValue((@switch, metric), out var list)) _values[(@switch, metric)] = list = [];
        list.Add(value);
    }

    public Summary? Get(string @switch, string metric) =>
        _values.TryGetValue((@switch, metric), out var list) ? Summary.Of(list) : null;

    public bool Has(string @switch) => Switches.Contains(@switch);

    /// <summary>
    /// The congestion controls TCP was measured with a second time (compare.sh --also-congestion), in the
    /// order first met: their figures carry the name as a suffix, tcp1_gbps_cubic beside tcp1_gbps.
    /// </summary>
    public IReadOnlyList<string> OtherCongestionControls =>
        _values.Keys.Select(k => k.Metric)
            .SelectMany(m => TcpFigures.Where(f => m.StartsWith(f + "_", StringComparison.Ordinal)).Select(f
                => m[(f.Length + 1)..]))
            .Distinct().ToList();

    private static readonly string[] TcpFigures = ["tcp1_gbps", "tcp4_gbps"];

    /// <summary>
    /// The run's TCP passes, in order: the first (Algorithm null: its figures are tcp1_gbps …) and one per
    /// <see cref="OtherCongestionControls"/>. Name is what a heading calls the pass: the algorithm, except
    /// for a first pass with no other beside it, which needs none.
    /// </summary>
    public IReadOnlyList<(string? Algorithm, string? Name)> TcpPasses
    {
        get
        {
            var others = OtherCongestionControls;
            return [(null, others.Count > 0 ? CongestionControl : null), .. others.Select(a => ((string?)a,
                (string?)a))];
        }
    }

    /// <summary>A TCP figure's name for a second pass with <paramref name="algorithm"/>; the first pass's own name for
    /// null.</summary>
    public static string WithCongestion(string metric, string? algorithm) => algorithm is null ? metric
        : $"{metric}_{algorithm}";

    /// <summary>The congestion control of the first TCP pass, as machine.tsv's tcp line names it ("congestion control
    /// bbr, …"); null if it does not.</summary>
    public string? CongestionControl =>
        Machine.TryGetValue("tcp", out var line) && line.StartsWith("congestion control ", StringComparison.Ordinal)
            ? line["congestion control ".Length..].Split([' ', ',', ';', '('], 2)[0]
            : null;

    /// <summary>True when any round recorded the flag (for example tcp1_needs_tx_off).</summary>
    public bool Flag(string @switch, string metric) => _values.TryGetValue((@switch, metric), out var list)
        && list.Any(v => v != 0);

    /// <summary>median(a) / median(b), or null when either is missing or b is zero.</summary>
    public double? Ratio(string a, string b, string metric) =>
        Get(a, metric) is { } x && Get(b, metric) is { Median: > 0 } y ? x.Median / y.Median : null;
}
