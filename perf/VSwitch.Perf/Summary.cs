namespace VSwitch.Perf;

/// <summary>The repeated measurements of one figure: median, and the range it moved in.</summary>
public readonly record struct Summary(double Median, double Min, double Max, int Count)
{
    public static Summary? Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Summary(median, sorted[0], sorted[^1], n);
    }
}
