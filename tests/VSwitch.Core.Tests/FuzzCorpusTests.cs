using VSwitch.Fuzz;

namespace VSwitch.Core.Tests;

/// <summary>
/// Every input of the committed fuzz corpora (fuzz/corpus/TARGET), run once through its target, uninstrumented:
/// what fuzzing found interesting, crashes it found included, must still run clean. Seconds, not a fuzz run
/// (that is fuzz/run.sh, and the smoke run among the integration tests).
/// </summary>
public class FuzzCorpusTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryCorpusInput_RunsClean(string name)
    {
        var target = FuzzTargets.All[name]();
        var inputs = Directory.GetFiles(Path.Combine(Repository.Root, "fuzz", "corpus", name));
        Assert.NotEmpty(inputs);

        foreach (string input in inputs)
        {
            var error = Record.Exception(() => target.Run(File.ReadAllBytes(input)));
            Assert.True(error is null, $"{Path.GetFileName(input)}: {error}");
        }
        (target as IDisposable)?.Dispose();
    }
}
