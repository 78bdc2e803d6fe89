using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Protocol;

namespace VSwitch.Daemon;

/// <summary>vswitchd's command line.</summary>
public sealed record DaemonOptions(string ConfigPath, string SocketPath, LogLevel? LogLevel, int? Workers,
    System.Net.IPEndPoint? MetricsListen, int? BusyPollMicroseconds = null, bool IoUring = true, bool RawRing = true)
{
    public const string DefaultConfig = "/etc/vswitch/vswitch.json";
    public const string DefaultStreamDirectory = "/run/vswitch-streams";

    /// <summary>The group whose members may use the control socket (--socket-group); null: root only.</summary>
    public string? SocketGroup { get; init; }

    /// <summary>
    /// Where stream ports' sockets go: never beside the control socket, whose name one could take. Its own
    /// directory, which an unprivileged QEMU may enter while the control socket's may not be: the given one,
    /// else streams/ beside a control socket given elsewhere (a test's), else the default.
    /// </summary>
    public string StreamDirectory { get; init; } = DefaultStreamDirectory;

    public const string Usage = """
        usage: vswitchd [--config FILE] [--socket PATH] [--socket-group GROUP] [--stream-dir DIR] [--log-level LEVEL]
                        [--workers N] [--busy-poll-us N] [--io-uring on|off] [--raw-ring on|off]
                        [--metrics-listen ADDRESS:PORT]
          --config FILE      configuration, rewritten atomically on every change, mode 0640 (default
                             /etc/vswitch/vswitch.json; a missing file starts an empty switch)
          --socket PATH      control socket, mode 0600 in a directory of mode 0750 (default
                             /run/vswitch/vswitchd.sock, or $VSWITCH_SOCKET)
          --socket-group GROUP
                             members of GROUP may use the control socket too (mode 0660), so vswitchctl works
                             without root for them (default: root only)
          --stream-dir DIR   where stream ports (addsock) put their sockets (default /run/vswitch-streams, or
                             streams/ beside a --socket given elsewhere)
          --log-level LEVEL  Trace, Debug, Information, Warning, Error (overrides the config's logLevel)
          --workers N        datapath threads (default: the config's workers, else one per core,
                             one on a host of two cores or fewer)
          --busy-poll-us N   keep polling N µs after the last frame of light traffic (at most 1000 after heavy)
                             before sleeping, yielding to any other thread (default: the config's
                             busyPollMicroseconds, 20000); 0 is off
          --io-uring on|off  read and write TAP ports a batch per system call through io_uring (default on;
                             where the kernel refuses io_uring, read() and write() are used and the log says why)
          --raw-ring on|off  raw ports receive through a TPACKET_V2 ring shared with the kernel, 8 MB per port
                             (default on; off, or where the kernel refuses the ring, recvmmsg is used)
          --metrics-listen ADDRESS:PORT
                             serve Prometheus text metrics at http://ADDRESS:PORT/metrics (off by default)
        Under systemd (Type=notify) it reports readiness once the configuration is restored.
        """;

    public static DaemonOptions Parse(string[] args)
    {
        string? config = null, socket = null, group = null, streams = null;
        LogLevel? level = null;
        int? workers = null, busyPoll = null;
        bool ioUring = true, rawRing = true;
        System.Net.IPEndPoint? metrics = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ConfigException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--config": config = Value(); break;
                case "--socket": socket = Value(); break;
                case "--socket-group": group = Value(); break;
                case "--stream-dir": streams = Value(); break;
                case "--log-level":
                    string text = Value();
                    level = Enum.TryParse<LogLevel>(text, true, out var parsed) ? parsed
                        : throw new ConfigException($"--log-level: '{text}' is not a level (Trace, Debug, " +
                            $"Information, Warning, Error, Critical)");
                    break;
                case "--workers":
                    string n = Value();
                    workers = int.TryParse(n, out int w) && w >= 1 ? w
                        : throw new ConfigException($"--workers: '{n}' is not a positive number");
                    break;
                case "--busy-poll-us":
                    string us = Value();
                    busyPoll = int.TryParse(us, out int b) && b is >= 0 and <= SwitchConfig.MaxBusyPollMicroseconds ? b
                        : throw new ConfigException($"--busy-poll-us: '{us}' is not a number of µs from 0 to " +
                            $"{SwitchConfig.MaxBusyPollMicroseconds}");
                    break;
                case "--io-uring": ioUring = OnOff(args[i], Value()); break;
                case "--raw-ring": rawRing = OnOff(args[i], Value()); break;
                case "--metrics-listen": metrics = MetricsEndpoint.ParseAddress(Value()); break;
                default: throw new ConfigException($"unknown option '{args[i]}'");
            }
        }
        string socketPath = ControlSocketPath.Resolve(socket);
        return new DaemonOptions(config ?? DefaultConfig, socketPath, level, workers, metrics, busyPoll, ioUring,
            rawRing)
        {
            SocketGroup = group,
            StreamDirectory = streams ?? (socketPath == ControlSocketPath.Default ? DefaultStreamDirectory
                : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(socketPath))!, "streams")),
        };
    }

    private static bool OnOff(string option, string value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new ConfigException($"{option}: '{value}' is neither on nor off"),
    };
}
