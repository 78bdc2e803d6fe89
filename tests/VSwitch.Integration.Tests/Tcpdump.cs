using System.Diagnostics;

namespace VSwitch.Integration.Tests;

/// <summary>tcpdump on one interface of a namespace, printing link-level headers (-e), until stopped.</summary>
public sealed class Tcpdump : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;

    private Tcpdump(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
    }

    public static Tcpdump Start(string ns, string device, string filter)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true,
            RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", device, "-e", "-nn", "-l", "-U",
            filter }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        // tcpdump says "listening on" (on stderr) once its socket is open: nothing sent after that is missed.
        var started = Task.Run(() =>
        {
            for (string? line; (line = process.StandardError.ReadLine()) is not null;)
                if (line.Contains("listening on")) return true;
            return false;
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)) && started.Result,
            $"tcpdump on {ns}/{device} did not start");
        _ = process.StandardError.ReadToEndAsync();
        return new Tcpdump(process);
    }

    /// <summary>Lets frames in flight arrive, stops tcpdump and returns what it printed.</summary>
    public string Stop()
    {
        Thread.Sleep(300);
        if (!_process.HasExited) Shell.Sh($"kill -INT {_process.Id}");
        _process.WaitForExit(5000);
        return _output.Wait(TimeSpan.FromSeconds(5)) ? _output.Result : "";
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>Sends hand-built frames with scapy (Debian's python3-scapy, so /usr/bin/python3).</summary>
public static class Scapy
{
    public static void Send(string ns, string device, string frame, int count = 1)
    {
        var result = Shell.Run("ip", ["netns", "exec", ns, "/usr/bin/python3", "-c",
            $"from scapy.all import *\nsendp({frame}, iface='{device}', count={count}, verbose=False)"], TimeSpan.FromSeconds(60));
        Assert.True(result.Ok, $"scapy could not send {frame} on {ns}/{device}: {result}");
    }
}
