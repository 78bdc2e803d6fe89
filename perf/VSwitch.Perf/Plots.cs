using ScottPlot;

namespace VSwitch.Perf;

/// <summary>The report's pictures: grouped bars per switch with min–max whiskers over the rounds.</summary>
public static class Plots
{
    private sealed record BarPlot(string File, string Shows, string Title, string Unit, double Scale, (string Label,
        string Metric)[] Series);

    /// <summary>The bar plots; TCP's has a pair of bars per congestion control the run measured.</summary>
    private static BarPlot[] BarPlots(ResultSet r) =>
    [
        new("throughput.png", "TCP per switch", "TCP throughput (iperf3)", "Gbit/s", 1, ReportWriter.TcpFiguresByPass(r,
            "").ToArray()),
        FramesPlot,
        LatencyPlot,
    ];

    private static readonly BarPlot LatencyPlot =
        new("latency.png", "round trips", "round trips (ping at 100/s, sockperf UDP)", "µs", 1,
            [("ping avg", "ping_avg_us"), ("ping p99", "ping_p99_us"), ("sockperf avg", "sockperf_avg_us"),
                ("sockperf p99", "sockperf_p99_us")]);

    private static readonly BarPlot FramesPlot =
        new("frames.png", "64-byte rates", "64-byte frames (trafgen, one core)", "thousand frames/s", 1000,
            [("offered", "pps_offered"), ("received", "pps_received"), ("zero loss (RFC 2544)", "zero_loss_pps"),
             ("received, 100k MACs", "pps_received_macs_100k")]);

    /// <summary>
    /// The plots this run has figures for, each with what it shows: a run of some tests only (say
    /// `--only tcp`) gets no empty axes for the others.
    /// </summary>
    public static IReadOnlyList<(string File, string Shows)> For(ResultSet r) =>
        BarPlots(r).Where(p => r.Switches.Any(s => p.Series.Any(k => r.Get(s, k.Metric) is not null))).Select(p
            => (p.File, p.Shows)).ToList();

    /// <summary>Writes the plots of <see cref="For"/> and removes any other plot file left by an earlier report in
    /// <paramref name="dir"/>.</summary>
    public static void Write(ResultSet r, string dir)
    {
        var drawn = For(r).Select(p => p.File).ToHashSet();
        foreach (var p in BarPlots(r))
        {
            string path = Path.Combine(dir, p.File);
            if (drawn.Contains(p.File)) Bars(r, path, p.Title, p.Unit, p.Scale, p.Series);
            else File.Delete(path);
        }
    }

    private static void Bars(ResultSet r, string path, string title, string unit, double scale, (string Label,
        string Metric)[] series)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int groups = r.Switches.Count;
        double width = 0.8 / series.Length;
        for (int k = 0; k < series.Length; k++)
        {
            var bars = new List<Bar>();
            for (int g = 0; g < groups; g++)
            {
                if (r.Get(r.Switches[g], series[k].Metric) is not { } s) continue;
                double x = g + (k - (series.Length - 1) / 2.0) * width;
                bars.Add(new Bar { Position = x, Value = s.Median / scale, Size = width * 0.9,
                    FillColor = palette.GetColor(k) });
                // Whisker: the range over the rounds.
                var whisker = plot.Add.Line(x, s.Min / scale, x, s.Max / scale);
                whisker.LineColor = Colors.Black;
                whisker.LineWidth = 1.5f;
            }
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[k].Label,
                FillColor = palette.GetColor(k) });
        }
        Finish(plot, r, title, unit, path);
    }

    private static void Finish(Plot plot, ResultSet r, string title, string unit, string path)
    {
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, r.Switches.Count).Select(g => (double)g).ToArray(),
            r.Switches.Select(s => ReportWriter.Name(s).Replace(", ", "\n")).ToArray());
        plot.Axes.Margins(left: 0.12, right: 0.12, bottom: 0,
            top: 0.35); // room for the outer labels, and above the bars for the legend
        plot.Title(title);
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1000, 520);
    }
}
