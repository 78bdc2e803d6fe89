using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// A short fuzz run of each target under AFL++ (fuzz/run.sh): the instrumented build starts, AFL++ drives it,
/// and in those seconds nothing crashes or hangs. The long runs the note reports are the same command with
/// more time.
/// </summary>
public class FuzzSmokeTests
{
    public static TheoryData<string> Targets => ["pipeline", "config", "protocol", "stream", "netlink"];

    [Theory]
    [MemberData(nameof(Targets))]
    public void AShortFuzzRun_FindsNoCrash(string target)
    {
        string root = SwitchLab.RepositoryRoot();
        string findings = Directory.CreateTempSubdirectory($"vswitch-fuzz-{target}-").FullName;
        try
        {
            var run = Shell.Run(Path.Combine(root, "fuzz", "run.sh"), [target, "8", findings],
                TimeSpan.FromMinutes(5));

            Assert.True(run.Ok, run.ToString());
            var summary = Regex.Match(run.Output, @"(\d+) executions, (\d+) crashes, (\d+) hangs");
            Assert.True(summary.Success, run.ToString());
            Assert.True(long.Parse(summary.Groups[1].Value) >= 1000, $"too few executions to mean anything: {run}");
            Assert.Equal(("0", "0"), (summary.Groups[2].Value, summary.Groups[3].Value));
        }
        finally
        {
            Directory.Delete(findings, recursive: true);
        }
    }
}
