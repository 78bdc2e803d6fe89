using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>
/// The control socket as an attacker or a clumsy client finds it: oversized, empty, idle and malformed
/// requests, too many connections, a garbled answer, file modes under a careless umask, and a group that may
/// use it.
/// </summary>
public class ControlSocketHardeningTests
{
    private static string? Error(string? answer) =>
        answer is null ? null : JsonDocument.Parse(answer).RootElement.TryGetProperty("error", out var error)
            ? error.GetString() : $"(no error: {answer})";

    [Fact]
    public void ARequestOver64KiB_IsRefusedUnread_AndMemoryStaysFlat()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        long before = lab.DaemonRssKib();
        var huge = new string('x', 10 << 20);
        for (int i = 0; i < 26; i++)
        {
            string? answer;
            try
            {
                answer = lab.Send($"{{\"command\":\"show\",\"args\":[\"{huge}\"]}}");
            }
            catch (SocketException)
            {
                answer = null; // the daemon may close before the client has written it all
            }
            if (answer is not null) Assert.Contains("longer than 64 KiB", Error(answer));
        }
        Assert.Contains("longer than 64 KiB", Error(lab.Send(new string(' ', 70_000) + "{}")));
        long grown = lab.DaemonRssKib() - before;
        Assert.True(grown < 32 * 1024, $"26 requests of 10 MB grew the daemon by {grown} KiB");
        Assert.Contains("xapi1", lab.MustCtl("show"));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { """{"command":"show","args":null}""", "args must be a list of strings" },
        { """{"command":"show","args":[null]}""", "args must be a list of strings" },
        { """{"command":"addbr","args":["x"],"options":null}""", "options must map names to strings" },
        { """{"args":[]}""", "request without a command" },
        { """{"command":null}""", "request without a command" },
        { """{"command":"show","args":[1]}""", "malformed request" },
        { "[]", "malformed request" },
        { "null", "empty request" },
        { "not json", "malformed request" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void EveryMalformedRequest_GetsAnErrorAnswer(string request, string expected)
    {
        using var lab = new SwitchLab();

        string? answer = lab.Send(request);

        Assert.NotNull(answer);
        Assert.False(JsonDocument.Parse(answer).RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(expected, Error(answer));
        Assert.DoesNotContain("NullReferenceException", lab.ReadLog());
    }

    [Fact]
    public void AClientThatSendsNothing_IsAnsweredAndClosedAfter10s_AndConnectionsAreBounded()
    {
        using var lab = new SwitchLab();
        // The lab's own probe of the socket (it connects and hangs up) is done being served by now.
        Thread.Sleep(500);
        var idle = new List<Socket>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(lab.SocketPath));
                idle.Add(socket);
            }
            // The 65th connection is told at once, without waiting for anyone.
            var waited = Stopwatch.StartNew();
            string? refused = Error(lab.Send("""{"command":"show"}"""));
            Assert.True(refused?.Contains("64 connections already") == true, $"{refused}\n{lab.ReadLog()}");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {waited.Elapsed}");

            idle[0].ReceiveTimeout = 15_000;
            var buffer = new byte[4096];
            int n = idle[0].Receive(buffer);
            Assert.Contains("no request within 10 s", Encoding.UTF8.GetString(buffer, 0, n));
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(14), $"the idle client was held {waited.Elapsed}");
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
        }
        lab.Eventually(() => lab.Ctl("show").Ok, TimeSpan.FromSeconds(5), "the socket serving again");
    }

    [Fact]
    public async Task VswitchctlGivenAGarbledAnswer_PrintsOneLine_AndExits1()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        string fake = Path.Combine(lab.WorkDir, "fake.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(fake));
        listener.Listen(4);
        foreach (string garbage in new[] { "HTTP/1.1 400 Bad Request", "{\"ok\":", "{}" })
        {
            var serve = Task.Run(() =>
            {
                using var client = listener.Accept();
                client.Receive(new byte[65536]);
                client.Send(Encoding.UTF8.GetBytes(garbage + "\n"));
            });
            var result = Shell.Run(Path.Combine(lab.Root, "bin", "vswitchctl"), ["--socket", fake, "show"]);
            await serve.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(1, result.ExitCode);
            Assert.DoesNotContain("Unhandled", result.Error);
            Assert.Single(result.Error.Trim().Split('\n'));
            Assert.Contains("is not vswitchd's answer", result.Error);
        }
    }

    [Fact]
    public void UnderUmask000_TheConfigAndTheSocketKeepTheirModes_AndAnEmptyConfigIsRefused()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        string etc = Path.Combine(lab.WorkDir, "etc", "vswitch");
        string run = Path.Combine(lab.WorkDir, "run", "vswitch");
        string config = Path.Combine(etc, "vswitch.json");
        string socket = Path.Combine(run, "vswitchd.sock");
        var result = Shell.Sh($"umask 000; ip netns exec {lab.SwitchNs} {lab.Root}/bin/vswitchd --config {config} " +
            $"--socket {socket} & pid=$!; for i in $(seq 100); do [ -S {socket} ] && break; sleep 0.1; done; " +
            $"VSWITCH_SOCKET={socket} {lab.Root}/bin/vswitchctl addbr xapi1; " +
            $"stat -c '%n %a' {etc} {config} {run} {socket}; ls -a {etc}; kill $pid; wait $pid",
            TimeSpan.FromSeconds(60));

        Assert.True(result.Ok, result.ToString());
        Assert.Contains($"{etc} 750", result.Output);
        Assert.Contains($"{config} 640", result.Output);
        Assert.Contains($"{run} 750", result.Output);
        Assert.Contains($"{socket} 600", result.Output);
        Assert.DoesNotContain(".tmp", result.Output); // no temporary file left beside the config

        File.WriteAllText(config, " \n");
        var empty = Shell.Run(Path.Combine(lab.Root, "bin", "vswitchd"), ["--config", config, "--socket", socket]);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("is empty", empty.Error);
    }

    [Fact]
    public void ASocketGroup_LetsItsMembersUseVswitchctl_AndNoOneElse()
    {
        using var lab = new SwitchLab();
        lab.Stop();
        string socket = Path.Combine(lab.WorkDir, "run", "vswitchd.sock");
        Shell.MustSh($"chmod o+x {lab.WorkDir}");
        string gid = Shell.Sh("getent group daemon | cut -d: -f3").Output.Trim();
        Assert.NotEqual("", gid);
        var daemon = Process.Start(new ProcessStartInfo("ip",
        [
            "netns", "exec", lab.SwitchNs, Path.Combine(lab.Root, "bin", "vswitchd"), "--config",
            Path.Combine(lab.WorkDir, "group.json"), "--socket", socket, "--socket-group", "daemon",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            lab.Eventually(() => File.Exists(socket), TimeSpan.FromSeconds(15), "the control socket");
            string ctl = $"VSWITCH_SOCKET={socket} {lab.Root}/bin/vswitchctl show";
            var member = Shell.Sh($"setpriv --reuid=nobody --regid=nogroup --groups={gid} bash -c '{ctl}'");
            var stranger = Shell.Sh($"setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c '{ctl}'");

            Assert.True(member.Ok, member.ToString());
            Assert.False(stranger.Ok, "a user outside the group reached the control socket");
            Assert.Contains("Permission denied", stranger.Error);
            Assert.Contains("660 daemon", Shell.Sh($"stat -c '%a %G' {socket}").Output);
            Assert.Contains("750 daemon", Shell.Sh($"stat -c '%a %G' {Path.GetDirectoryName(socket)}").Output);
        }
        finally
        {
            daemon.Kill();
            daemon.WaitForExit();
        }
    }

    [Fact]
    public void AnUnknownSocketGroup_IsRefusedByName()
    {
        using var lab = new SwitchLab();
        var result = Shell.Run(Path.Combine(lab.Root, "bin", "vswitchd"),
            ["--socket", Path.Combine(lab.WorkDir, "x.sock"), "--socket-group", "no-such-group-here"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no group named 'no-such-group-here'", result.Error);
    }
}
