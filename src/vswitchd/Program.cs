using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Switching;
using VSwitch.Daemon;
using VSwitch.Linux.Datapath;
using VSwitch.Linux.Files;
using VSwitch.Linux.HostBoundary;
using VSwitch.Linux.Ports;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}

DaemonOptions options;
SwitchConfig config;
ControlSocketAccess access;
try
{
    options = DaemonOptions.Parse(args);
    access = ControlSocketAccess.For(options.SocketGroup);
    config = ConfigFile.Load(options.ConfigPath);
}
catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"vswitchd: {e.Message}");
    return 2;
}

var level = options.LogLevel ?? (config.LogLevel is null ? LogLevel.Information : Enum.Parse<LogLevel>(config.LogLevel,
    true));
using var loggers = LoggerFactory.Create(b => b
    .SetMinimumLevel(level)
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
    }));
var log = loggers.CreateLogger("vswitchd");

using var stopping = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });

var fdb = new ForwardingDatabase(new FdbLimits(config.Fdb.MaxEntries, config.Fdb.MaxEntriesPerPort));
var addresses = new GuestAddresses();
int busyPoll = options.BusyPollMicroseconds ?? config.BusyPollMicroseconds;
var tuning = DatapathTuning.Default with { Workers = options.Workers ?? config.Workers,
    BusyPoll = TimeSpan.FromMicroseconds(busyPoll) };
using var datapath = new LinuxDatapath(fdb, tuning, addresses, options.IoUring);
if (datapath.IoUringRefused is { } refused)
    log.LogWarning("io_uring refused ({Reason}): TAP ports use read() and write(), one system call per frame", refused);
if (datapath.RegisteredBuffersRefused is { } unregistered)
    log.LogWarning("io_uring refused to register the workers' batch buffers ({Reason}): TAP I/O goes through " +
        "io_uring without them (the pinned pages count against RLIMIT_MEMLOCK unless the daemon has CAP_IPC_LOCK)",
        unregistered);
// The interfaces attached as raw ports are taken from the host's own stack (PortIsolation says how).
PortIsolation? isolation = null;
try
{
    isolation = PortIsolation.Create();
}
catch (IOException e)
{
    log.LogError("the host's stack cannot be kept off the ports ({Reason}): it will also receive their frames and " +
        "answer them, so a ping to a bridge's address from behind a port is answered twice", e.Message);
}
using var isolationOwner = isolation;
var ports = new LinuxPortFactory(options.StreamDirectory, loggers.CreateLogger("ports"), tuning, options.RawRing,
    isolation);
using var controller = new SwitchController(ports, datapath, fdb, config,
    updated => ConfigFile.SaveAtomically(options.ConfigPath, updated), loggers.CreateLogger("control"), addresses);
try
{
    controller.Restore(config);
}
catch (Exception e) when (e is ConfigException or IOException)
{
    log.LogCritical("cannot restore configuration from {Config}: {Reason}", options.ConfigPath, e.Message);
    return 1;
}
// A daemon killed with SIGKILL left its ports isolated; those that are no ports any more are given back.
if (isolation is not null)
    foreach (var device in isolation.RepairLeftovers())
        log.LogWarning("{Device} was still kept from the host's stack by an earlier vswitchd but is no port " +
            "any more: given back", device);

// Ports follow their interfaces through rtnetlink (SwitchController.Interfaces.cs): in the daemon's namespace and
// in those tap ports were moved to. Whatever changed before the monitor started is looked at once.
using var links = new VSwitch.Linux.Interfaces.InterfaceMonitor(controller.OnInterfaceEvent,
    controller.OnInterfaceEventsLost);
links.Start();
controller.OnInterfaceEventsLost();

using var server = new ControlServer(options.SocketPath, access, new CommandDispatcher(controller),
    loggers.CreateLogger("control-socket"));
try
{
    server.Start(stopping.Token);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    log.LogCritical("cannot listen on {Socket}: {Reason}", options.SocketPath, e.Message);
    return 1;
}
using var metrics = new VSwitch.Core.Observability.SwitchMetrics(() => controller.Stats(null), fdb);
using var metricsEndpoint = options.MetricsListen is null ? null : new MetricsEndpoint(options.MetricsListen,
    metrics.Meter, loggers.CreateLogger("metrics"));
try
{
    metricsEndpoint?.Start(stopping.Token);
}
catch (System.Net.Sockets.SocketException e)
{
    log.LogCritical("cannot listen for metrics on {Endpoint}: {Reason}", options.MetricsListen, e.Message);
    return 1;
}

log.LogInformation("vswitchd ready: datapath workers {Workers}, {Polling}, TAP I/O {TapIo}, config {Config}, socket " +
    "{Socket}", datapath.WorkerCount,
    busyPoll > 0 ? $"polling {busyPoll} µs after their last frame" : "not polling",
    datapath.UsesIoUring ? (datapath.UsesRegisteredBuffers ? "through io_uring into registered buffers"
        : "through io_uring") : "by read() and write()", options.ConfigPath, options.SocketPath);
SystemdNotify.Send($"READY=1\nSTATUS=switching: {controller.Bridges().Count} bridges\nMAINPID={Environment.ProcessId}");

// Off the hot path: bond members' carrier is polled every 100 ms (in case a netlink event was lost),
// tap ports whose TAP is gone are detached as often, the FDB is aged once a second, and the control
// plane's garbage is collected once there is enough of it (ControlPlaneGarbage). On this
// thread, not a PeriodicTimer: each tick of that woke a thread-pool thread whose idle spin took the
// core the workers and guests share, and delayed pings (commit e0efac3 has the ftrace).
var garbage = new ControlPlaneGarbage();
for (long tick = 1; !stopping.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)); tick++)
{
    controller.PollCarrier();
    controller.DetachGonePorts();
    if (tick % 10 == 0) controller.AgeFdb(SwitchController.NowMilliseconds);
    garbage.Tick();
}

SystemdNotify.Send("STOPPING=1");
log.LogInformation("vswitchd stopping: removing the devices it created (VIFs stay for their guests)");
return 0;
