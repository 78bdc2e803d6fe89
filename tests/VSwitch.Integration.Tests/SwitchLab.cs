using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace VSwitch.Integration.Tests;

/// <summary>
/// One test's private world: a namespace for vswitchd (the "host"), guest namespaces, and the daemon
/// itself, all named with a prefix unique to the test. Everything is removed on dispose, also when the
/// test failed. Traffic only ever goes between these namespaces (198.18.0.0/15, the RFC 2544
/// benchmarking range, used nowhere else).
/// </summary>
public sealed class SwitchLab : IDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _guests = [];
    private readonly string _dir;
    private Process? _daemon;

    /// <param name="daemonArguments">Options for vswitchd beyond the lab's own (config, socket, log level).</param>
    public SwitchLab(IEnumerable<string>? daemonArguments = null)
    {
        Assert.True(Environment.IsPrivilegedProcess,
            "the integration tests need root (CAP_NET_ADMIN) to create namespaces, TAPs and veths; run them as root " +
                "(CI does)");
        Id = "t" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..5];
        Root = RepositoryRoot();
        Assert.True(File.Exists(Path.Combine(Root, "bin", "vswitchd")),
            $"{Root}/bin/vswitchd is missing: run ./run.sh build (./run.sh test does)");
        _dir = Directory.CreateTempSubdirectory($"vswitch-{Id}-").FullName;
        SwitchNs = AddNamespace("sw");
        Start(extraArguments: daemonArguments);
    }

    /// <summary>The test's unique prefix: every namespace and interface name starts with it.</summary>
    public string Id { get; }
    public string Root { get; }
    public string SwitchNs { get; }
    /// <summary>The test's private directory, removed with the lab.</summary>
    public string WorkDir => _dir;
    public string ConfigPath => Path.Combine(_dir, "vswitch.json");
    public string SocketPath => Path.Combine(_dir, "vswitchd.sock");
    public string DaemonLog => Path.Combine(_dir, "vswitchd.log");

    /// <summary>The full name of namespace <paramref name="suffix"/> made by <see cref="AddNamespace"/>.</summary>
    public string Namespace(string suffix) => $"{Id}-{suffix}";

    public string AddNamespace(string suffix)
    {
        string name = $"{Id}-{suffix}";
        Shell.MustSh($"ip netns add {name} && ip -n {name} link set lo up && " +
                     $"ip netns exec {name} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 " +
                         $"net.ipv6.conf.default.disable_ipv6=1");
        _namespaces.Add(name);
        return name;
    }

    /// <summary>When the daemon was last started (before exec), for "traffic flows within N s of the
    /// restart".</summary>
    public Stopwatch SinceStart { get; private set; } = new();

    /// <param name="wrapper">A command that execs vswitchd with the rest of the line (prlimit, setpriv), so the
    /// process started is still the daemon.</param>
    public void Start(string? configPath = null, IEnumerable<string>? extraArguments = null, IDictionary<string,
        string>? environment = null,
                      IEnumerable<string>? wrapper = null)
    {
        SinceStart = Stopwatch.StartNew();
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true,
            RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", SwitchNs }.Concat(wrapper ?? [])
                     .Concat([Path.Combine(Root, "bin", "vswitchd"), "--config", configPath ?? ConfigPath, "--socket",
                         SocketPath, "--log-level", "Debug"])
                     .Concat(extraArguments ?? []))
            info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        _daemon = Process.Start(info)!;
        var log = File.AppendText(DaemonLog);
        log.AutoFlush = true;
        _daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_daemon.HasExited) Assert.Fail($"vswitchd exited with " +
                $"{_daemon.ExitCode}:\n{File.ReadAllText(DaemonLog)}");
            if (CanConnect()) return;
            Thread.Sleep(50);
        }
        Assert.Fail($"vswitchd did not open {SocketPath} within 15 s:\n{File.ReadAllText(DaemonLog)}");
    }

    private bool CanConnect()
    {
        if (!File.Exists(SocketPath)) return false;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { socket.Connect(new UnixDomainSocketEndPoint(SocketPath)); return true; }
        catch (SocketException) { return false; }
    }

    /// <summary>Stops the daemon with SIGTERM (or SIGKILL) and waits for it.</summary>
    public int Stop(bool kill = false)
    {
        if (_daemon is null) return 0;
        // ip netns exec execs vswitchd, so the process we started is the daemon itself.
        Shell.Run("kill", [kill ? "-KILL" : "-TERM", _daemon.Id.ToString()]);
        if (!_daemon.WaitForExit(15_000))
        {
            _daemon.Kill();
        }
        _daemon.WaitForExit(); // also drains the redirected output
        int code = _daemon.ExitCode;
        _daemon.Dispose();
        _daemon = null;
        return code;
    }

    /// <summary>vswitchd's process id (ip netns exec execs it, so it is the process we started).</summary>
    public int DaemonPid => _daemon?.Id ?? throw new InvalidOperationException("the daemon is not running");

    public CommandResult Ctl(params string[] args) =>
        Shell.Run(Path.Combine(Root, "bin", "vswitchctl"), args, TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["VSWITCH_SOCKET"] = SocketPath });

    /// <summary>
    /// Sends <paramref name="request"/> as one line to the control socket, as a client other than vswitchctl
    /// would, and returns the line it answered (null: it closed without one). Far faster than starting
    /// vswitchctl, for tests that send thousands of commands.
    /// </summary>
    public string? Send(string request, TimeSpan? timeout = null)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        socket.ReceiveTimeout = (int)(timeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds;
        socket.Send(System.Text.Encoding.UTF8.GetBytes(request + "\n"));
        using var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false));
        return reader.ReadLine();
    }

    /// <summary>A command through <see cref="Send"/>; fails the test unless it is answered ok.</summary>
    public void MustSend(string command, params string[] args)
    {
        string request = JsonSerializer.Serialize(new { command, args, options = new Dictionary<string, string>() });
        string? answer = Send(request);
        Assert.True(answer is not null && JsonDocument.Parse(answer).RootElement.GetProperty("ok").GetBoolean(),
            $"{command} {string.Join(' ', args)}: {answer}");
    }

    /// <summary>The daemon's resident memory, in KiB.</summary>
    public long DaemonRssKib() => long.Parse(File.ReadLines($"/proc/{DaemonPid}/status")
        .First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    public string MustCtl(params string[] args)
    {
        var result = Ctl(args);
        Assert.True(result.Ok, $"vswitchctl {string.Join(' ', args)} failed: {result}\ndaemon log:\n{ReadLog()}");
        return result.Output;
    }

    /// <summary>A guest namespace on a switch-owned TAP port; returns the guest namespace.</summary>
    public string AddTapGuest(string bridge, string guest, string tap, string address)
    {
        string ns = AddNamespace(guest);
        MustCtl("addtap", bridge, tap);
        Shell.MustSh($"ip -n {SwitchNs} link set {tap} netns {ns} && ip -n {ns} addr add {address}/24 dev {tap} && ip " +
            $"-n {ns} link set {tap} up");
        return ns;
    }

    /// <summary>
    /// The lab most tests start from: internal network xapi1 with guests g1 (vif1.0, 198.18.1.1) and
    /// g2 (vif2.0, 198.18.1.2) on switch-owned TAP ports; returns the two guest namespaces.
    /// </summary>
    public (string G1, string G2) AddTwoTapGuests()
    {
        MustCtl("addbr", "xapi1");
        return (AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1"), AddTapGuest("xapi1", "g2", "vif2.0", "198.18.1.2"));
    }

    /// <summary>A guest namespace on a veth whose switch side is attached as a raw port; returns the switch-side
    /// name.</summary>
    public string AddVethGuest(string bridge, string guest, string address, out string ns)
    {
        ns = AddNamespace(guest);
        string outer = $"{Id}{guest}";
        Shell.MustSh($"ip link add {outer} netns {SwitchNs} type veth peer name eth0 netns {ns} && " +
                     $"ip -n {ns} addr add {address}/24 dev eth0 && ip -n {ns} link set eth0 up");
        MustCtl("addif", bridge, outer);
        return outer;
    }

    /// <summary>
    /// An "outside" LAN: a namespace with host 198.18.0.254 on lan0, joined by a veth to the switch namespace,
    /// whose switch side (named <paramref name="pif"/>) can be a bridge's uplink. Returns the LAN namespace.
    /// </summary>
    public string AddLan(out string pif)
    {
        string lan = AddNamespace("lan");
        pif = $"{Id}eth0";
        Shell.MustSh($"ip link add {pif} netns {SwitchNs} type veth peer name lan0 netns {lan} && " +
                     $"ip -n {lan} addr add 198.18.0.254/24 dev lan0 && ip -n {lan} link set lan0 up");
        return lan;
    }

    /// <summary>The MAC of interface <paramref name="device"/> in namespace <paramref name="ns"/>, as ip(8) prints
    /// it.</summary>
    public static string MacOf(string ns, string device)
    {
        var result = Shell.Sh($"ip -n {ns} -br link show {device}");
        Assert.True(result.Ok, $"no interface {device} in {ns}: {result}");
        return result.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
    }

    /// <summary>
    /// Starts a stand-in QEMU guest (tools/tap-guest.py) on the VIF <paramref name="tap"/>: it opens the TAP as
    /// QEMU does and answers ARP and ping for <paramref name="address"/>. It runs until the test's namespaces go.
    /// </summary>
    public Process StartTapGuest(string tap, string mac, string address)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true,
            RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", SwitchNs, "python3", Path.Combine(Root, "tools", "tap-guest.py"),
            "--tap", tap, "--mac", mac, "--ip", address, "--announce" })
            info.ArgumentList.Add(a);
        var guest = Process.Start(info)!;
        _guests.Add(guest);
        var ready = guest.StandardOutput.ReadLineAsync();
        Assert.True(ready.Wait(TimeSpan.FromSeconds(10)) && ready.Result == "ready",
            $"tap-guest on {tap} did not attach: " +
                $"{(guest.HasExited ? guest.StandardError.ReadToEnd() : "(still starting)")}");
        return guest;
    }

    public bool Ping(string ns, string address, int count = 3, double interval = 0.2) =>
        Shell.Sh($"ip netns exec {ns} ping -c {count} -i {interval} -W 2 {address}", TimeSpan.FromSeconds(30)).Ok;

    public void MustPing(string ns, string address, int count = 3) =>
        Assert.True(Ping(ns, address, count),
            $"{ns} cannot ping {address}\n{MustCtl("show")}\n{MustCtl("stats")}\ndaemon log:\n{ReadLog()}");

    /// <summary>One port's counters from `vswitchctl stats PORT --json`.</summary>
    public JsonElement Stats(string port) => JsonDocument.Parse(MustCtl("stats", port, "--json")).RootElement[0];

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking every 50 ms, and fails naming
    /// <paramref name="what"/> (with the switch's view and log) if it does not within <paramref name="within"/>.
    /// Returns how long it took.
    /// </summary>
    public TimeSpan Eventually(Func<bool> condition, TimeSpan within, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > within)
                Assert.Fail($"{what}: not within {within.TotalSeconds} s\n{Ctl("show").Output}\ndaemon " +
                    $"log:\n{ReadLog()}");
            Thread.Sleep(50);
        }
        return waited.Elapsed;
    }

    /// <summary>The output of ping, for tests that look at what it says (replies, DUP!).</summary>
    public CommandResult PingOutput(string ns, string address, int count, double interval = 0.05) =>
        Shell.Sh($"ip netns exec {ns} ping -c {count} -i {interval} -W 2 {address}", TimeSpan.FromSeconds(60));

    public string ReadLog()
    {
        try { using var s = new FileStream(DaemonLog, FileMode.Open, FileAccess.Read,
            FileShare.ReadWrite); return new StreamReader(s).ReadToEnd(); }
        catch (IOException) { return "(no log)"; }
    }

    /// <summary>
    /// Asserts that the daemon's log comes to contain <paramref name="text"/> within 10 s. Lines logged
    /// after the control socket opens (the "ready" line) may reach the file after the first commands
    /// have been answered.
    /// </summary>
    public void AssertLogged(string text)
    {
        var waited = Stopwatch.StartNew();
        while (!ReadLog().Contains(text, StringComparison.Ordinal))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail($"the daemon did not log '{text}' within 10 " +
                $"s:\n{ReadLog()}");
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        try { Stop(); } catch (Exception) { /* cleanup goes on */ }
        foreach (var guest in _guests)
        {
            try { if (!guest.HasExited) guest.Kill(); guest.WaitForExit(5000); } catch (Exception) { /* cleanup goes on */ }
            guest.Dispose();
        }
        foreach (var ns in _namespaces) Shell.Sh($"ip netns pids {ns} | xargs -r kill -9; ip netns del {ns}");
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The repository the tests run from (it holds bin/, tools/ and fuzz/).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VSwitch.sln"))) return dir.FullName;
        throw new InvalidOperationException("VSwitch.sln not found above " + AppContext.BaseDirectory);
    }
}
