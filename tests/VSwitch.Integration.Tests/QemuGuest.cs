using System.Diagnostics;
using System.Text.RegularExpressions;

namespace VSwitch.Integration.Tests;

/// <summary>
/// A real QEMU guest (tools/guest: Debian's kernel, busybox, TCG here) started by tools/guest/run.sh in the
/// lab's switch namespace with the network arguments vswitchctl printed. Its serial console goes to a log
/// file in the lab's directory, where the guest's init writes "VSGUEST:" lines. Killed on dispose (and
/// with the namespace in any case).
/// </summary>
public sealed class QemuGuest : IDisposable
{
    private readonly Process _process;

    private QemuGuest(Process process, string log)
    {
        _process = process;
        LogPath = log;
    }

    public string LogPath { get; }
    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <param name="network">What `vswitchctl addvif` (or addsock) printed.</param>
    /// <param name="run">A command for the guest to run before it powers off; null keeps it up.</param>
    public static QemuGuest Start(SwitchLab lab, string name, string network, string address, string? run = null,
        string? gateway = null)
    {
        string guestDir = Path.Combine(lab.Root, ".guest");
        Assert.True(File.Exists(Path.Combine(guestDir, "vmlinuz")),
            $"{guestDir} has no guest: ./run.sh test builds it (tools/guest/build.sh .guest)");
        string log = Path.Combine(lab.WorkDir, $"{name}.serial.log");
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true,
            RedirectStandardError = true };
        var arguments = new List<string> { "netns", "exec", lab.SwitchNs, Path.Combine(lab.Root, "tools", "guest",
            "run.sh"),
            "--guest", guestDir, "--ip", address, "--log", log };
        if (run is not null) arguments.AddRange(["--run", run]);
        if (gateway is not null) arguments.AddRange(["--gw", gateway]);
        arguments.Add("--");
        arguments.AddRange(network.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return new QemuGuest(process, log);
    }

    /// <summary>Waits until the serial log has a line matching <paramref name="pattern"/>; returns its match.</summary>
    public Match WaitFor(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var match = regex.Match(Log);
            if (match.Success) return match;
            if (_process.HasExited && !regex.IsMatch(Log)) break;
            Thread.Sleep(50);
        }
        Assert.Fail($"guest never printed /{pattern}/ within {timeout.TotalSeconds} s; serial log:\n{Log}");
        return null!;
    }

    /// <summary>Boot to eth0 up: the seconds of guest uptime the guest reported.</summary>
    public double WaitUntilUp() =>
        double.Parse(WaitFor(@"VSGUEST: up eth0 \S+ \S+ after ([0-9.]+)s", TimeSpan.FromSeconds(60)).Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The exit status of the guest's command.</summary>
    public int WaitForExit(TimeSpan timeout) => int.Parse(WaitFor(@"VSGUEST: exit (\d+)", timeout).Groups[1].Value);

    /// <summary>
    /// Boots two guests: one listens on 198.18.1.1 and receives; once it is up, the other (198.18.1.2) pings it three
    /// times
    /// and sends 4 MiB of random data over TCP with busybox nc. Asserts both finished and that the md5 and
    /// length of what arrived match what was sent. Returns the sender's serial log.
    /// </summary>
    public static string TransferChecked(SwitchLab lab, string receiverNetwork, string senderNetwork)
    {
        using var receiver = Start(lab, "receiver", receiverNetwork, "198.18.1.1/24",
            run: "nc -l -p 5000 > /tmp/data; echo received $(md5sum < /tmp/data) $(wc -c < /tmp/data)");
        // The sender's three pings come right after its own boot; under TCG and a loaded machine the
        // receiver could still be booting then (a full test run once lost all three that way).
        receiver.WaitUntilUp();
        using var sender = Start(lab, "sender", senderNetwork, "198.18.1.2/24",
            run: "ping -c 3 198.18.1.1 && dd if=/dev/urandom of=/tmp/data bs=1M count=4 2>/dev/null && " +
                 "echo sent $(md5sum < /tmp/data) $(wc -c < /tmp/data) && nc -w 5 198.18.1.1 5000 < /tmp/data");
        var limit = TimeSpan.FromSeconds(90);
        Assert.True(sender.WaitForExit(limit) == 0,
            $"sender:\n{sender.Log}\nreceiver:\n{receiver.Log}\n{lab.ReadLog()}");
        Assert.True(receiver.WaitForExit(limit) == 0, $"receiver:\n{receiver.Log}");
        var sent = Regex.Match(sender.Log, @"sent ([0-9a-f]{32}) - (\d+)");
        var received = Regex.Match(receiver.Log, @"received ([0-9a-f]{32}) - (\d+)");
        Assert.True(sent.Success && received.Success, $"sender:\n{sender.Log}\nreceiver:\n{receiver.Log}");
        Assert.Equal("4194304", received.Groups[2].Value);
        Assert.Equal(sent.Groups[1].Value, received.Groups[1].Value);
        return sender.Log;
    }

    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
