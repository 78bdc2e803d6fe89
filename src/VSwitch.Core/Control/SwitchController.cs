using Microsoft.Extensions.Logging;
using VSwitch.Core.Capture;
using VSwitch.Core.Config;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// The control plane: bridges and ports as an object model. Every change is validated first (a refusal
/// changes nothing), then applied to devices and the model, persisted, and published to the datapath as a
/// new immutable snapshot. Changes are serialised by one lock; the datapath never takes it.
/// The class is split by concern: bridges here, then ports, the FDB, xe's objects, and state/publishing.
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
    private readonly Dictionary<ushort, CaptureSession> _captures = [];
    private long _version;
    private bool _disposed;

    public SwitchController(IPortFactory ports, IDatapath datapath, ForwardingDatabase fdb, SwitchConfig settings,
        Action<SwitchConfig>? persist, ILogger log, GuestAddresses? addresses = null)
    {
        Addresses = addresses ?? new GuestAddresses();
        _ports = ports;
        _datapath = datapath;
        Fdb = fdb;
        _settings = settings;
        _persist = persist;
        _log = log;
    }

    public ForwardingDatabase Fdb { get; }
    /// <summary>Guests' IPv4 addresses as their ARP packets claim them (filled by the datapath).</summary>
    public GuestAddresses Addresses { get; }

    /// <summary>Milliseconds on the clock the datapath stamps FDB entries with.</summary>
    public static long NowMilliseconds => Environment.TickCount64;

    // ---- start-up ----------------------------------------------------------------------------

    /// <summary>
    /// Rebuilds bridges and ports from a loaded config. A port whose device cannot be opened is kept as
    /// absent and logged. Objects without a UUID (a hand-written config) get one, and the config is saved.
    /// </summary>
    public void Restore(SwitchConfig config)
    {
        lock (_lock)
        {
            bool assigned = false;
            foreach (var b in config.Bonds)
            {
                assigned |= b.Uuid is null || b.Members.Any(m => !b.MemberUuids.ContainsKey(m));
                RestoreBond(b);
            }
            foreach (var b in config.Bridges)
            {
                assigned |= b.Uuid is null || (b.Pif is not null && b.PifUuid is null);
                var saved = b.Mac is null ? (MacAddress?)null : MacAddress.Parse(b.Mac);
                var bridge = CreateBridge(b.Name, b.Pif, b.Vlan ?? 0, b.Uuid ?? NewUuid(), b.PifUuid ?? NewUuid(),
                    saved, restoring: true);
                bridge.NameLabel = b.NameLabel ?? b.Name;
                bridge.AgeingSeconds = b.AgeingSeconds;
                if (b.DefaultLockingMode is { } locking)
                    bridge.DefaultLockingMode = LockingModeNames.ParseNetworkDefault(locking);
                if (bridge.Uplink is { } uplink) uplink.MacLimit = b.PifMacLimit;
                foreach (var (k, v) in b.OtherConfig) bridge.OtherConfig[k] = v;
                foreach (var (k, v) in b.PifOtherConfig) bridge.PifOtherConfig[k] = v;
                if (b.Management is not null) RestoreManagement(bridge, b.Management);
                foreach (var p in b.Ports)
                {
                    assigned |= p.Uuid is null;
                    RestorePort(bridge, p);
                }
                foreach (var entry in b.StaticMacs) RestoreStaticMac(bridge, entry);
            }
            Publish();
            if (assigned) PersistAssigned();
        }
    }

    /// <summary>
    /// Saves the UUIDs a hand-written configuration was given at start. The switch runs as restored either
    /// way; if the file cannot be written, the next start assigns new ones.
    /// </summary>
    private void PersistAssigned()
    {
        try
        {
            Persist();
        }
        catch (Exception e) when (IsFileFailure(e))
        {
            LogAssignedNotSaved(_log, e.Message);
        }
    }

    private void RestorePort(Bridge bridge, PortConfig p)
    {
        string uuid = p.Uuid ?? NewUuid();
        try
        {
            var mac = p.Mac is null ? (MacAddress?)null : MacAddress.Parse(p.Mac);
            var port = AttachGuest(bridge, p.Name, p.Kind, mac, uuid, p.Owner, p.Mtu);
            if (ApplySaved(port, p)) Publish();
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            LogPortNotRestored(_log, p.Name, bridge.Name, e.Message);
            bridge.Absent.Add(new PortConfig { Name = p.Name, Uuid = uuid, Kind = p.Kind, Mac = p.Mac, Owner = p.Owner,
                Trunks = p.Trunks, Mtu = p.Mtu, LockingMode = p.LockingMode, Ipv4Allowed = p.Ipv4Allowed,
                Ipv6Allowed = p.Ipv6Allowed, MacLimit = p.MacLimit });
        }
    }

    private void RestoreManagement(Bridge bridge, ManagementAddressConfig management)
    {
        var address = IpConfig.Parse(management.Ip, management.Netmask);
        try
        {
            _ports.SetAddress(bridge.Name, address);
            bridge.Management = address;
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            // Keep it in the model so it is not lost from the config; the log says why it is not on the interface.
            bridge.Management = address;
            LogAddressNotRestored(_log, bridge.Name, e.Message);
        }
    }

    // ---- bridges -----------------------------------------------------------------------------

    /// <summary>
    /// addbr: an internal bridge, an external one on <paramref name="pif"/> (a NIC or a bond), or with
    /// <paramref name="vlan"/> a VLAN network on that PIF, which it shares with the untagged bridge and
    /// other VLAN networks.
    /// </summary>
    public void AddBridge(string name, string? pif, int? vlan = null)
    {
        lock (_lock)
        {
            Names.ValidateInterface(name, "bridge");
            if (_bridges.ContainsKey(name)) throw new ConfigException($"bridge {name} already exists");
            if (_pifs.ContainsKey(name)) throw new ConfigException($"cannot create bridge {name}: {name} is a pif");
            if (_ports.InterfaceExists(name)) throw new ConfigException($"cannot create bridge {name}: an interface " +
                $"named {name} already exists");
            if (vlan is not null)
            {
                if (pif is null)
                    throw new ConfigException($"bridge {name}: a VLAN network needs a pif to carry its tag (--pif); " +
                        $"internal networks have no VLANs");
                if (!VlanTag.IsValidId(vlan.Value)) throw new ConfigException($"bridge {name}: VLAN {vlan} is out of " +
                    $"range (1–{VlanTag.MaxId})");
            }
            if (pif is not null)
            {
                Names.ValidateInterface(pif, "pif");
                if (_pifs.TryGetValue(pif, out var shared))
                {
                    int wanted = vlan ?? 0;
                    if (BridgesOn(shared).FirstOrDefault(b => b.Vlan == wanted) is { } taken)
                        throw new ConfigException(wanted == 0
                            ? $"pif {pif} already carries the untagged network {taken.Name}"
                            : $"VLAN {wanted} on pif {pif} is already bridge {taken.Name}");
                }
                else
                {
                    EnsureFree(pif);
                    if (!_ports.InterfaceExists(pif)) throw new ConfigException($"pif {pif}: no such interface");
                    EnsureNotHeld(pif);
                }
            }
            var bridge = CreateBridge(name, pif, vlan ?? 0, NewUuid(), NewUuid());
            CommitOrUndo(() => RemoveBridge(bridge));
        }
    }

    public void DeleteBridge(string name, bool force)
    {
        lock (_lock)
        {
            var bridge = Existing(name);
            var guests = bridge.Guests.Select(p => p.Name).Concat(bridge.Absent.Select(p => p.Name)).ToList();
            if (guests.Count > 0 && !force)
                throw new ConfigException($"bridge {name} still has {guests.Count} port(s) " +
                    $"({string.Join(", ", guests)}); delif them first, or use --force");
            PersistWithout(config => config.Bridges.RemoveAll(b => b.Name == name));
            RemoveBridge(bridge);
            // A VIF's TAP goes with its bridge, as delvif would remove it: nothing else tracks it.
            foreach (var vif in bridge.Guests.Where(p => p.Kind == PortKind.Vif).Select(p => p.Name)
                         .Concat(bridge.Absent.Where(p => p.Kind == PortKind.Vif).Select(p => p.Name)))
                DeleteTapQuietly(vif);
            LogBridgeDeleted(_log, name);
        }
    }

    /// <summary>Takes a bridge and its ports out of the switch and closes them (its VIFs' TAPs stay).</summary>
    private void RemoveBridge(Bridge bridge)
    {
        _bridges.Remove(bridge.Name);
        Publish();
        foreach (var port in bridge.AllPorts().ToList()) Close(port);
        if (bridge.Pif is { } pif) ReleasePif(pif);
        Fdb.Flush(domain: bridge.Domain, includeStatic: true);
        Addresses.Forget(bridge.Domain);
    }

    public void SetAgeing(string bridgeName, int seconds)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            if (seconds < 0) throw new ConfigException($"ageing time must be 0 (never) or more seconds, not {seconds}");
            int before = bridge.AgeingSeconds;
            bridge.AgeingSeconds = seconds;
            CommitOrUndo(() => bridge.AgeingSeconds = before);
        }
    }

    /// <summary>brctl stp: there is no spanning tree in VSwitch, so only "off" is accepted.</summary>
    public void SetStp(string bridgeName, string state)
    {
        lock (_lock)
        {
            Existing(bridgeName);
            switch (state)
            {
                case "off" or "no" or "0":
                    return;
                case "on" or "yes" or "1":
                    throw new ConfigException($"stp: spanning tree is not implemented in vswitchd, so it cannot be " +
                        $"turned on for {bridgeName}; " +
                        "bridges forward on every port, so keep the topology free of loops");
                default:
                    throw new ConfigException($"stp: '{state}' is neither on nor off");
            }
        }
    }

    /// <param name="savedMac">The MAC the bridge had when last saved: its PIF's, which it keeps when the PIF is missing
    /// at start.</param>
    /// <param name="restoring">From the config at start: a PIF that is missing is kept as absent, not refused.</param>
    private Bridge CreateBridge(string name, string? pifName, int vlan, string uuid, string pifUuid,
        MacAddress? savedMac = null, bool restoring = false)
    {
        ushort domain = FreeDomain();
        Pif? pif = null;
        IPort? hostDevice = null;
        try
        {
            pif = pifName is null ? null : AcquirePif(pifName, restoring);
            // An external bridge shares its PIF's MAC, VLAN networks included, as on XenServer.
            var mac = pif is null ? MacAddress.InternalBridge : !pif.MacKnown && savedMac is { } saved ? saved
                : pif.Mac;
            hostDevice = _ports.CreateTap(name, mac);
            var bridge = new Bridge(name, domain, mac, uuid) { Pif = pif, Vlan = vlan };
            ushort hostIndex = FreePortIndex(0);
            bridge.Host = new Port(name, PortKind.Tap, PortRole.Host, hostIndex, 1, hostDevice, null);
            if (pif is not null)
            {
                string uplinkName = vlan == 0 ? pif.Name : $"{pif.Name}.{vlan}";
                bridge.Uplink = new Port(uplinkName, PortKind.Raw, PortRole.Uplink, FreePortIndex(hostIndex), 2,
                    new UplinkPort(uplinkName, mac, vlan), null) { Uuid = pifUuid };
            }
            _bridges.Add(name, bridge);
            foreach (var port in bridge.AllPorts()) TakeBaseline(port);
            // The bridge's own MAC belongs to its host interface, like the kernel bridge's local fdb entry.
            Fdb.AddStatic(domain, mac, bridge.Host.Index, local: true);
            Publish();
            // The uplink receives through the PIF's links, which are already being read.
            _datapath.StartReceiving(bridge.Host.Index, hostDevice);
            LogBridgeAdded(_log, name, bridge.Uplink?.Name ?? "none", mac.ToString());
            return bridge;
        }
        catch
        {
            hostDevice?.Dispose();
            if (pif is not null) ReleasePif(pif);
            throw;
        }
    }

    private Bridge Existing(string name) =>
        _bridges.TryGetValue(name, out var bridge) ? bridge
            : throw new ConfigException($"bridge {name} does not exist");

    private ushort FreeDomain()
    {
        var used = _bridges.Values.Select(b => b.Domain).ToHashSet();
        for (int d = 1; d <= ushort.MaxValue; d++) if (!used.Contains((ushort)d)) return (ushort)d;
        throw new ConfigException("no free bridge number: 65,535 bridges exist");
    }

    private static string NewUuid() => Guid.NewGuid().ToString();

    /// <summary>
    /// Stops switching and closes every port at once (the kernel removes many TAPs far faster together
    /// than one by one). The FDB goes with the process, so it is not flushed port by port.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            var ports = _bridges.Values.SelectMany(b => b.AllPorts()).ToList();
            var members = _pifs.Values.SelectMany(p => p.Members).ToList();
            _bridges.Clear();
            _pifs.Clear();
            Publish();
            // An uplink receives through its PIF's links; its device owns nothing.
            var receiving = ports.Where(p => p.Role != PortRole.Uplink).Select(p => p.Index).ToList();
            var devices = ports.Select(p => p.Device).ToList();
            foreach (var member in members)
            {
                member.Pending?.Dispose();
                if (member.Detach() is not { } device) continue;
                receiving.Add(member.Index);
                devices.Add(device);
            }
            _datapath.StopReceiving(receiving);
            foreach (var capture in _captures.Values) capture.End();
            _captures.Clear();
            _ports.CloseAll(devices);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "bridge {Bridge} added (uplink {Pif}, mac {Mac})")]
    private static partial void LogBridgeAdded(ILogger log, string bridge, string pif, string mac);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "the UUIDs given to objects of the configuration that had none could not be saved: {Reason}")]
    private static partial void LogAssignedNotSaved(ILogger log, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "bridge {Bridge} deleted")]
    private static partial void LogBridgeDeleted(ILogger log, string bridge);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "port {Port} of bridge {Bridge} could not be restored and is kept as absent: {Reason}")]
    private static partial void LogPortNotRestored(ILogger log, string port, string bridge, string reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "management address of {Bridge} could not be restored (kept in the config): {Reason}")]
    private static partial void LogAddressNotRestored(ILogger log, string bridge, string reason);
}
