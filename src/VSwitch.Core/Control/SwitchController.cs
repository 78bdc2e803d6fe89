using Microsoft.Extensions.Logging;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// The control plane: bridges and ports as an object model. Every change is validated first (a refusal
/// changes nothing), then applied to devices and the model, persisted, and published to the datapath as a
/// new immutable snapshot. Changes are serialised by one lock; the datapath never takes it.
/// </summary>
public sealed partial class SwitchController : IDisposable
{
    private readonly Lock _lock = new();
    private readonly IPortFactory _ports;
    private readonly IDatapath _datapath;
    private readonly Action<SwitchConfig>? _persist;
    private readonly ILogger _log;
    private readonly Dictionary<string, Bridge> _bridges = new(StringComparer.Ordinal);
    private readonly SwitchConfig _settings;
    private readonly HashSet<string> _linkDown = new(StringComparer.Ordinal);
    private long _version;

    public SwitchController(IPortFactory ports, IDatapath datapath, ForwardingDatabase fdb, SwitchConfig settings,
        Action<SwitchConfig>? persist, ILogger log)
    {
        _ports = ports;
        _datapath = datapath;
        Fdb = fdb;
        _settings = settings;
        _persist = persist;
        _log = log;
    }

    public ForwardingDatabase Fdb { get; }

    /// <summary>Milliseconds on the clock the datapath stamps FDB entries with.</summary>
    public static long NowMilliseconds => Environment.TickCount64;

    // ---- start-up ----------------------------------------------------------------------------

    /// <summary>Rebuilds bridges and ports from a loaded config. A port whose device is gone is kept as absent and logged.</summary>
    public void Restore(SwitchConfig config)
    {
        lock (_lock)
        {
            foreach (var b in config.Bridges)
            {
                var bridge = CreateBridge(b.Name, b.Pif);
                bridge.AgeingSeconds = b.AgeingSeconds;
                foreach (var p in b.Ports)
                {
                    try
                    {
                        var mac = p.Mac is null ? (MacAddress?)null : MacAddress.Parse(p.Mac);
                        AttachGuest(bridge, p.Name, p.Kind, mac);
                    }
                    catch (Exception e) when (e is ConfigException or IOException)
                    {
                        LogPortNotRestored(_log, p.Name, bridge.Name, e.Message);
                        bridge.Absent.Add(p);
                    }
                }
            }
            Publish();
        }
    }

    // ---- bridges -----------------------------------------------------------------------------

    public void AddBridge(string name, string? pif)
    {
        lock (_lock)
        {
            Names.ValidateInterface(name, "bridge");
            if (_bridges.ContainsKey(name)) throw new ConfigException($"bridge {name} already exists");
            if (_ports.InterfaceExists(name)) throw new ConfigException($"cannot create bridge {name}: an interface named {name} already exists");
            if (pif is not null)
            {
                Names.ValidateInterface(pif, "pif");
                EnsureFree(pif);
                if (!_ports.InterfaceExists(pif)) throw new ConfigException($"pif {pif}: no such interface");
            }
            CreateBridge(name, pif);
            Commit();
        }
    }

    public void DeleteBridge(string name, bool force)
    {
        lock (_lock)
        {
            var bridge = Existing(name);
            int guests = bridge.Guests.Count + bridge.Absent.Count;
            if (guests > 0 && !force)
                throw new ConfigException($"bridge {name} still has {guests} port(s) ({string.Join(", ", bridge.Guests.Select(p => p.Name).Concat(bridge.Absent.Select(p => p.Name)))}); delif them first, or use --force");
            _bridges.Remove(name);
            Publish();
            foreach (var port in bridge.AllPorts().ToList()) Close(port);
            Fdb.Flush(domain: bridge.Domain, includeStatic: true);
            Persist();
            LogBridgeDeleted(_log, name);
        }
    }

    public void SetAgeing(string bridgeName, int seconds)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            if (seconds < 0) throw new ConfigException($"ageing time must be 0 (never) or more seconds, not {seconds}");
            bridge.AgeingSeconds = seconds;
            Commit();
        }
    }

    // ---- ports -------------------------------------------------------------------------------

    /// <summary>brctl addif: attaches an existing interface as a raw port.</summary>
    public void AddInterface(string bridgeName, string device)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateInterface(device, "interface");
            EnsureFree(device);
            if (!_ports.InterfaceExists(device)) throw new ConfigException($"interface {device} does not exist");
            AttachGuest(bridge, device, PortKind.Raw, null);
            Commit();
        }
    }

    /// <summary>Creates a switch-owned TAP port; returns its MAC.</summary>
    public MacAddress AddTap(string bridgeName, string name, string? mac)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateInterface(name, "tap");
            var address = mac is null ? MacAddress.RandomLocal() : MacPolicy.ValidatePortMac(mac);
            EnsureFree(name);
            if (_ports.InterfaceExists(name)) throw new ConfigException($"cannot create tap {name}: an interface with that name already exists");
            var port = AttachGuest(bridge, name, PortKind.Tap, address);
            Commit();
            return port.ConfiguredMac!.Value;
        }
    }

    /// <summary>brctl delif: removes a guest port (raw or tap) from its bridge.</summary>
    public void DeleteInterface(string bridgeName, string name)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            var port = bridge.Guests.FirstOrDefault(p => p.Name == name);
            if (port is null)
            {
                int absent = bridge.Absent.FindIndex(p => p.Name == name);
                if (absent < 0)
                {
                    if (bridge.Uplink?.Name == name) throw new ConfigException($"{name} is the uplink (pif) of bridge {bridgeName}; it goes with the bridge (delbr)");
                    throw new ConfigException($"interface {name} is not a port of bridge {bridgeName}");
                }
                bridge.Absent.RemoveAt(absent);
                Persist();
                return;
            }
            bridge.Guests.Remove(port);
            Publish();
            Close(port);
            Persist();
        }
    }

    // ---- FDB maintenance -----------------------------------------------------------------------

    /// <summary>Ages out entries by each bridge's ageing time; call about once a second.</summary>
    public int AgeFdb(long nowMs)
    {
        long[] ageing;
        lock (_lock)
        {
            ageing = new long[_bridges.Values.Select(b => (int)b.Domain).DefaultIfEmpty(0).Max() + 1];
            foreach (var bridge in _bridges.Values) ageing[bridge.Domain] = bridge.AgeingSeconds * 1000L;
        }
        return Fdb.Age(nowMs, ageing);
    }

    /// <summary>
    /// A link went down or came up. A port whose link is down has nothing behind it any more, so its
    /// learned entries are flushed at once: frames to those MACs flood until they show up elsewhere.
    /// </summary>
    public void OnLinkState(string device, bool running)
    {
        lock (_lock)
        {
            foreach (var bridge in _bridges.Values)
            {
                var port = bridge.AllPorts().FirstOrDefault(p => p.Name == device && p.Role != PortRole.Host);
                if (port is null) continue;
                if (_linkDown.Contains(port.Name) == !running) return; // no change
                if (running)
                {
                    _linkDown.Remove(port.Name);
                    LogLinkUp(_log, device, bridge.Name);
                }
                else
                {
                    _linkDown.Add(port.Name);
                    int flushed = Fdb.Flush(port: port.Index);
                    LogLinkDown(_log, device, bridge.Name, flushed);
                }
                return;
            }
        }
    }

    // ---- queries -------------------------------------------------------------------------------

    public IReadOnlyList<Bridge> Bridges()
    {
        lock (_lock) return _bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    public Bridge Bridge(string name)
    {
        lock (_lock) return Existing(name);
    }

    public List<PortStats> Stats(string? portName)
    {
        lock (_lock)
        {
            var list = new List<PortStats>();
            foreach (var bridge in _bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal))
                foreach (var port in bridge.AllPorts())
                    if (portName is null || port.Name == portName) list.Add(StatsOf(bridge, port));
            if (portName is not null && list.Count == 0) throw new ConfigException($"no port named {portName}");
            return list;
        }
    }

    public SwitchConfig CurrentConfig()
    {
        lock (_lock) return BuildConfig();
    }

    // ---- internals (caller holds _lock) -------------------------------------------------------

    private Bridge Existing(string name) =>
        _bridges.TryGetValue(name, out var bridge) ? bridge : throw new ConfigException($"bridge {name} does not exist");

    private void EnsureFree(string name)
    {
        foreach (var bridge in _bridges.Values)
        {
            if (bridge.Name == name) throw new ConfigException($"{name} is a bridge, not a port");
            if (bridge.AllPorts().Any(p => p.Name == name) || bridge.Absent.Any(p => p.Name == name))
                throw new ConfigException($"{name} is already a port of bridge {bridge.Name}");
        }
    }

    private Bridge CreateBridge(string name, string? pif)
    {
        ushort domain = FreeDomain();
        IPortDevice? uplinkDevice = null;
        IPortDevice? hostDevice = null;
        try
        {
            uplinkDevice = pif is null ? null : _ports.OpenRaw(pif);
            var mac = uplinkDevice?.Mac ?? MacAddress.InternalBridge;
            hostDevice = _ports.CreateTap(name, mac);
            var bridge = new Bridge(name, domain, mac);
            ushort hostIndex = FreePortIndex(0);
            bridge.Host = new Port(name, PortKind.Tap, PortRole.Host, hostIndex, 1, hostDevice, null);
            if (uplinkDevice is not null)
                bridge.Uplink = new Port(pif!, PortKind.Raw, PortRole.Uplink, FreePortIndex(hostIndex), 2, uplinkDevice, null);
            _bridges.Add(name, bridge);
            foreach (var port in bridge.AllPorts()) TakeBaseline(port);
            // The bridge's own MAC belongs to its host interface, like the kernel bridge's local fdb entry.
            Fdb.AddStatic(domain, mac, bridge.Host.Index, local: true);
            Publish();
            foreach (var port in bridge.AllPorts()) _datapath.StartReceiving(port.Index, port.Device);
            LogBridgeAdded(_log, name, pif ?? "none", mac.ToString());
            return bridge;
        }
        catch
        {
            hostDevice?.Dispose();
            uplinkDevice?.Dispose();
            throw;
        }
    }

    private Port AttachGuest(Bridge bridge, string name, PortKind kind, MacAddress? mac)
    {
        var device = kind == PortKind.Tap ? _ports.CreateTap(name, mac ?? MacAddress.RandomLocal()) : _ports.OpenRaw(name);
        var port = new Port(name, kind, PortRole.Guest, FreePortIndex(0), bridge.NextPortNumber(), device, kind == PortKind.Tap ? device.Mac : null);
        TakeBaseline(port);
        bridge.Guests.Add(port);
        Publish();
        _datapath.StartReceiving(port.Index, device);
        LogPortAdded(_log, name, kind.ToString().ToLowerInvariant(), bridge.Name);
        return port;
    }

    private void Close(Port port)
    {
        _datapath.StopReceiving(port.Index, port.Device);
        _linkDown.Remove(port.Name);
        // After StopReceiving no worker holds a snapshot with this port, so no learn can re-add it.
        Fdb.Flush(port: port.Index, includeStatic: true);
        port.Device.Dispose();
    }

    private ushort FreeDomain()
    {
        var used = _bridges.Values.Select(b => b.Domain).ToHashSet();
        for (int d = 1; d <= ushort.MaxValue; d++) if (!used.Contains((ushort)d)) return (ushort)d;
        throw new ConfigException("no free bridge number: 65,535 bridges exist");
    }

    private ushort FreePortIndex(ushort alsoTaken)
    {
        var used = _bridges.Values.SelectMany(b => b.AllPorts()).Select(p => p.Index).ToHashSet();
        for (int i = 1; i < ForwardingDatabase.MaxPorts; i++)
            if (i != alsoTaken && !used.Contains((ushort)i)) return (ushort)i;
        throw new ConfigException("no free port number: 65,535 ports exist");
    }

    private void TakeBaseline(Port port)
    {
        for (int field = 0; field < PortCounters.Fields; field++)
            port.Baseline[field] = SumCounter(port.Index, field);
    }

    private long SumCounter(ushort index, int field)
    {
        long sum = 0;
        foreach (var counters in _datapath.Counters) sum += counters.Read(index, field);
        return sum;
    }

    private PortStats StatsOf(Bridge bridge, Port port)
    {
        long Read(int field) => SumCounter(port.Index, field) - port.Baseline[field];
        var reasons = new Dictionary<string, long>();
        long rxDropped = 0, txDropped = 0;
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            long n = Read(PortCounters.FirstDrop + (int)reason);
            if (n == 0) continue;
            reasons[DropReasonNames.Of(reason)] = n;
            if (reason == DropReason.TxFailed) txDropped += n; else rxDropped += n;
        }
        return new PortStats(port.Name, bridge.Name, port.Role == PortRole.Host ? "host" : port.Role == PortRole.Uplink ? "pif" : port.Kind.ToString().ToLowerInvariant(),
            Read(PortCounters.RxPackets), Read(PortCounters.RxBytes), rxDropped,
            Read(PortCounters.TxPackets), Read(PortCounters.TxBytes), txDropped,
            Read(PortCounters.FloodedFrames), reasons);
    }

    private void Commit()
    {
        Publish();
        Persist();
    }

    private void Publish()
    {
        int maxPort = 0, maxDomain = 0;
        foreach (var bridge in _bridges.Values)
        {
            maxDomain = Math.Max(maxDomain, bridge.Domain);
            foreach (var port in bridge.AllPorts()) maxPort = Math.Max(maxPort, port.Index);
        }
        var ports = new SnapshotPort?[maxPort + 1];
        var bridges = new SnapshotBridge?[maxDomain + 1];
        foreach (var bridge in _bridges.Values)
        {
            var members = bridge.AllPorts().ToArray();
            foreach (var port in members)
                ports[port.Index] = new SnapshotPort(port.Index, bridge.Domain, port.Name, port.Role, port.Device);
            bridges[bridge.Domain] = new SnapshotBridge(bridge.Domain, bridge.Name, bridge.Mac, bridge.AgeingSeconds * 1000L,
                members.Select(p => p.Index).ToArray());
        }
        _datapath.Publish(new ForwardingSnapshot(++_version, ports, bridges));
    }

    private void Persist() => _persist?.Invoke(BuildConfig());

    private SwitchConfig BuildConfig() => new()
    {
        LogLevel = _settings.LogLevel,
        Workers = _settings.Workers,
        Fdb = _settings.Fdb,
        Bridges = _bridges.Values.OrderBy(b => b.Domain).Select(b => new BridgeConfig
        {
            Name = b.Name,
            Pif = b.Uplink?.Name,
            AgeingSeconds = b.AgeingSeconds,
            Ports = b.Guests.Select(p => new PortConfig { Name = p.Name, Kind = p.Kind, Mac = p.ConfiguredMac?.ToString() })
                .Concat(b.Absent).ToList(),
        }).ToList(),
    };

    public void Dispose()
    {
        lock (_lock)
        {
            var all = _bridges.Values.SelectMany(b => b.AllPorts()).ToList();
            _bridges.Clear();
            Publish();
            foreach (var port in all) Close(port);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "bridge {Bridge} added (uplink {Pif}, mac {Mac})")]
    private static partial void LogBridgeAdded(ILogger log, string bridge, string pif, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "bridge {Bridge} deleted")]
    private static partial void LogBridgeDeleted(ILogger log, string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "port {Port} ({Kind}) added to {Bridge}")]
    private static partial void LogPortAdded(ILogger log, string port, string kind, string bridge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "link down on {Port} (bridge {Bridge}): flushed {Flushed} learned MACs")]
    private static partial void LogLinkDown(ILogger log, string port, string bridge, int flushed);

    [LoggerMessage(Level = LogLevel.Information, Message = "link up on {Port} (bridge {Bridge})")]
    private static partial void LogLinkUp(ILogger log, string port, string bridge);

    [LoggerMessage(Level = LogLevel.Error, Message = "port {Port} of bridge {Bridge} could not be restored and is kept as absent: {Reason}")]
    private static partial void LogPortNotRestored(ILogger log, string port, string bridge, string reason);
}
