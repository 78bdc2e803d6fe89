using VSwitch.Perf;

// vswitch-perf pace --interface IF --destination MAC --rate PPS --seconds S
// vswitch-perf record RUN-DIR RECORD.tsv
// vswitch-perf report RECORD.tsv|RUN-DIR [--run DATE] [--out DIR]
try
{
    return args.FirstOrDefault() switch
    {
        "pace" => PacedSender.Run(PacedSender.Options.Parse(args[1..])),
        "record" when args.Length == 3 => ReportCommand.Record(args[1], args[2]),
        "report" when args.Length >= 2 => ReportCommand.Report(args[1], Option(args, "--run"), Option(args, "--out")),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vswitch-perf: {e.Message}");
    return 2;
}

static string? Option(string[] args, string name)
{
    int at = Array.IndexOf(args, name);
    if (at < 0) return null;
    return at + 1 < args.Length ? args[at + 1] : throw new ArgumentException($"{name} needs a value");
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: vswitch-perf pace --interface IF --destination MAC --rate PPS --seconds S [--batch N]
                 send 64-byte UDP frames at a constant rate (RFC 2544's offered load); prints "SENT SECONDS"
               vswitch-perf record RUN-DIR RECORD.tsv
                 append a run compare.sh left (RUN-DIR/raw.tsv, machine.tsv) to the record (perf/results/results.tsv)
               vswitch-perf report RECORD.tsv [--run DATE] [--out DIR]
                 the report and plots of one run of the record (the last, unless --run; into DIR, else latest/ beside it)
               vswitch-perf report RUN-DIR
                 the same for a run directory of its own (an experiment run with compare.sh --out)
        """);
    return 2;
}
