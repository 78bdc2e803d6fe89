using VSwitch.Perf;

// vswitch-perf pace --interface IF --destination MAC --rate PPS --seconds S
// vswitch-perf report DIR
try
{
    return args.FirstOrDefault() switch
    {
        "pace" => PacedSender.Run(PacedSender.Options.Parse(args[1..])),
        "report" when args.Length == 2 => ReportCommand.Run(args[1]),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vswitch-perf: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: vswitch-perf pace --interface IF --destination MAC --rate PPS --seconds S [--batch N]
                 send 64-byte UDP frames at a constant rate (RFC 2544's offered load); prints "SENT SECONDS"
               vswitch-perf report DIR
                 DIR/raw.tsv (from perf/compare.sh) → DIR/report.md and DIR/*.png
        """);
    return 2;
}
