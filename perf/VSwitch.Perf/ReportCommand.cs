namespace VSwitch.Perf;

internal static class ReportCommand
{
    public static int Run(string dir)
    {
        var results = ResultSet.Load(dir);
        File.WriteAllText(Path.Combine(dir, "report.md"), ReportWriter.Write(results));
        Plots.Write(results, dir);
        Console.Error.WriteLine($"vswitch-perf: wrote {dir}/report.md and its plots");
        return 0;
    }
}
