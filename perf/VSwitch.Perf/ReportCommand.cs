namespace VSwitch.Perf;

/// <summary>`report` and `record`: the benchmark's record and what is made from it.</summary>
internal static class ReportCommand
{
    /// <summary>
    /// A report of one run, with its plots, in <paramref name="outDir"/>: a run of the record
    /// (<paramref name="source"/> is the .tsv; <paramref name="run"/> its date, else the last), or a run
    /// directory compare.sh left (<paramref name="source"/> holds raw.tsv; the report goes beside it).
    /// </summary>
    public static int Report(string source, string? run, string? outDir)
    {
        ResultSet results;
        if (File.Exists(source))
        {
            results = ResultsRecord.Load(source, run);
            outDir ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, "latest");
        }
        else
        {
            results = ResultSet.Load(source);
            outDir ??= source;
        }
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "report.md"), ReportWriter.Write(results));
        Plots.Write(results, outDir);
        Console.Error.WriteLine($"vswitch-perf: wrote {outDir}/report.md and its plots");
        return 0;
    }

    /// <summary>Appends the run in <paramref name="runDir"/> to the record.</summary>
    public static int Record(string runDir, string record)
    {
        int rows = ResultsRecord.Append(record, runDir);
        Console.Error.WriteLine($"vswitch-perf: appended {rows} measurements of {runDir} to {record}");
        return 0;
    }
}
