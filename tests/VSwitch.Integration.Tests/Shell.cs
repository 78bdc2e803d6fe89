using System.Diagnostics;

namespace VSwitch.Integration.Tests;

/// <summary>The result of one command.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>Runs commands for the integration tests, always with a time limit.</summary>
public static class Shell
{
    public static CommandResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string,
        string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(-1, stdout.Result, stderr.Result
                + $"\n(killed after {timeout ?? TimeSpan.FromSeconds(60)})");
        }
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A bash command line.</summary>
    public static CommandResult Sh(string script, TimeSpan? timeout = null) => Run("bash", ["-c", script], timeout);

    public static void MustSh(string script, TimeSpan? timeout = null)
    {
        var result = Sh(script, timeout);
        Assert.True(result.Ok, $"command failed: {script}\n{result}");
    }
}
