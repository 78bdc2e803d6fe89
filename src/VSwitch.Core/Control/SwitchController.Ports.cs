using Microsoft.Extensions.Logging;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

// Ports: brctl addif/delif, switch-owned taps, and QEMU's VIFs.
public sealed partial class SwitchController
{
    /// <summary>brctl addif: attaches an existing interface as a raw port.</summary>
    public void AddInterface(string bridgeName, string device)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateInterface(device, "interface");
            EnsureFree(device);
            if (!_ports.InterfaceExists(device)) throw new ConfigException($"interface {device} does not exist");
            AttachGuest(bridge, device, PortKind.Raw, null, NewUuid(), null);
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
            var address = MacPolicy.PortMacOrRandom(mac);
            EnsureFree(name);
            if (_ports.InterfaceExists(name)) throw new ConfigException($"cannot create tap {name}: an interface with that name already exists");
            var port = AttachGuest(bridge, name, PortKind.Tap, address, NewUuid(), null);
            Commit();
            return port.ConfiguredMac!.Value;
        }
    }

    /// <summary>addsock: a stream port for a QEMU guest that needs no TAP. Returns the port (its device is the socket).</summary>
    public Port AddStream(string bridgeName, string name, string? mac, string? owner = null)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateInterface(name, "stream port");
            var address = MacPolicy.PortMacOrRandom(mac);
            EnsureFree(name);
            var port = AttachGuest(bridge, name, PortKind.Stream, address, NewUuid(), owner);
            Commit();
            return port;
        }
    }

    /// <summary>
    /// Creates a VIF for a QEMU guest: a persistent TAP named vif&lt;domid&gt;.&lt;n&gt; (owned by
    /// <paramref name="owner"/> when given), attached as a raw port. Returns the guest's MAC.
    /// </summary>
    public MacAddress AddVif(string bridgeName, string name, string? owner, string? mac)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateVif(name);
            var address = MacPolicy.PortMacOrRandom(mac);
            EnsureFree(name);
            if (_ports.InterfaceExists(name))
                throw new ConfigException($"cannot create VIF {name}: an interface with that name already exists (addif attaches an existing interface)");
            _ports.CreatePersistentTap(name, owner);
            try
            {
                AttachGuest(bridge, name, PortKind.Vif, address, NewUuid(), owner);
            }
            catch
            {
                DeleteTapQuietly(name);
                throw;
            }
            Commit();
            return address;
        }
    }

    /// <summary>Removes a VIF from its bridge and deletes its TAP.</summary>
    public void DeleteVif(string name)
    {
        lock (_lock)
        {
            foreach (var bridge in _bridges.Values)
            {
                if (FindGuest(bridge, name) is not { } kind) continue;
                if (kind != PortKind.Vif)
                    throw new ConfigException($"{name} is not a VIF (it was attached with addif or addtap); delif {bridge.Name} {name} removes it");
                RemoveGuest(bridge, name);
                DeleteTapQuietly(name);
                Persist();
                return;
            }
            throw new ConfigException($"no VIF named {name} (vif-list shows them)");
        }
    }

    /// <summary>brctl delif: removes a guest port (raw or tap) from its bridge.</summary>
    public void DeleteInterface(string bridgeName, string name)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            var kind = FindGuest(bridge, name);
            if (kind is null)
            {
                if (bridge.Uplink?.Name == name) throw new ConfigException($"{name} is the uplink (pif) of bridge {bridgeName}; it goes with the bridge (delbr)");
                throw new ConfigException($"interface {name} is not a port of bridge {bridgeName}");
            }
            if (kind == PortKind.Vif)
                throw new ConfigException($"{name} is a VIF; delvif {name} removes it together with its TAP");
            RemoveGuest(bridge, name);
            Persist();
        }
    }

    /// <summary>
    /// Trunk mode for a guest that tags its own frames: it may send and receive frames tagged with
    /// <paramref name="vlans"/> ("10,20-30"), besides untagged ones; "none" returns it to untagged only.
    /// On an untagged bridge those VLANs then reach it from the uplink, unless a VLAN network carries them.
    /// </summary>
    public void SetTrunks(string portName, string vlans)
    {
        lock (_lock)
        {
            var port = _bridges.Values.SelectMany(b => b.Guests).FirstOrDefault(p => p.Name == portName)
                ?? throw new ConfigException($"trunk: {portName} is not a guest port (the uplink carries every VLAN already)");
            VlanSet? set;
            try
            {
                set = vlans == "none" ? null : VlanSet.Parse(vlans);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"trunk {portName}: {e.Message}");
            }
            port.Trunks = set;
            Commit();
        }
    }

    /// <summary>The kind of guest port <paramref name="name"/> of the bridge, attached or absent; null when it is not one.</summary>
    private static PortKind? FindGuest(Bridge bridge, string name) =>
        bridge.Guests.FirstOrDefault(p => p.Name == name)?.Kind ?? bridge.Absent.FirstOrDefault(p => p.Name == name)?.Kind;

    /// <summary>
    /// Detaches each guest port whose TAP is gone (<see cref="IPortDevice.Gone"/>: deleted, or deleted
    /// with the namespace it had been moved to), which only the TAP's descriptor tells: it left this
    /// namespace when it was moved. Called ten times a second by the control loop; with nothing gone it
    /// allocates nothing.
    /// </summary>
    public void DetachGonePorts()
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var bridge in _bridges.Values)
                for (int i = bridge.Guests.Count - 1; i >= 0; i--)
                    if (bridge.Guests[i].Device.Gone) MakeAbsent(bridge, bridge.Guests[i]);
        }
    }

    /// <summary>
    /// The interface <paramref name="device"/> left the daemon's namespace (rtnetlink's RTM_DELLINK):
    /// deleted, with its veth peer's namespace or by hand, or moved away. A raw port or VIF on it can
    /// carry nothing any more (the kernel unbinds its socket), so it is detached. A tap port's TAP leaves
    /// the namespace when it is moved to its guest's, which is how it is used: its deletion is told by
    /// its descriptor instead (<see cref="DetachGonePorts"/>).
    /// </summary>
    public void OnLinkDeleted(string device)
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var bridge in _bridges.Values)
                if (bridge.Guests.FirstOrDefault(p => p.Name == device) is { Kind: PortKind.Raw or PortKind.Vif } port)
                    MakeAbsent(bridge, port);
        }
    }

    /// <summary>
    /// Detaches a port whose interface is gone and keeps it as absent, as a restart that cannot find an
    /// interface does: `show` lists it as absent, the configuration keeps it, and delif or delvif
    /// forgets it. The kernel bridge drops such a port from the bridge too.
    /// </summary>
    private void MakeAbsent(Bridge bridge, Port port)
    {
        Detach(bridge, port);
        bridge.Absent.Add(ConfigOf(port));
        LogPortGone(_log, port.Name, bridge.Name);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the interface of port {Port} ({Bridge}) is gone (deleted, or with its namespace): the port is absent, kept in the configuration until delif or delvif removes it")]
    private static partial void LogPortGone(ILogger log, string port, string bridge);

    /// <summary>Detaches an attached guest port, or forgets an absent one.</summary>
    private void RemoveGuest(Bridge bridge, string name)
    {
        if (bridge.Guests.FirstOrDefault(p => p.Name == name) is { } port) Detach(bridge, port);
        else bridge.Absent.RemoveAll(p => p.Name == name);
    }

    private void Detach(Bridge bridge, Port port)
    {
        bridge.Guests.Remove(port);
        foreach (var mac in bridge.StaticMacs.Where(e => e.Value == port.Name).Select(e => e.Key).ToList())
            bridge.StaticMacs.Remove(mac);
        Publish();
        Close(port);
    }

    private Port AttachGuest(Bridge bridge, string name, PortKind kind, MacAddress? mac, string uuid, string? owner)
    {
        IPortDevice device;
        switch (kind)
        {
            case PortKind.Tap:
                device = _ports.CreateTap(name, mac ?? MacAddress.RandomLocal());
                break;
            case PortKind.Stream:
                device = _ports.CreateStream(name, mac ?? MacAddress.RandomLocal(), owner);
                break;
            case PortKind.Vif:
                // After a restart the TAP is still there (and QEMU still holds it): just open it again.
                if (!_ports.InterfaceExists(name)) _ports.CreatePersistentTap(name, owner);
                device = _ports.OpenRaw(name);
                break;
            default:
                device = _ports.OpenRaw(name);
                break;
        }
        var configured = kind switch { PortKind.Tap or PortKind.Stream => device.Mac, PortKind.Vif => mac, _ => (MacAddress?)null };
        var port = new Port(name, kind, PortRole.Guest, FreePortIndex(0), bridge.NextPortNumber(), device, configured) { Uuid = uuid, Owner = owner };
        TakeBaseline(port);
        bridge.Guests.Add(port);
        Publish();
        _datapath.StartReceiving(port.Index, device);
        LogPortAdded(_log, name, kind.ToString().ToLowerInvariant(), bridge.Name);
        return port;
    }

    private void Close(Port port)
    {
        // An uplink receives through its PIF's links, which the PIF closes; its device owns nothing.
        if (port.Role != PortRole.Uplink) _datapath.StopReceiving(port.Index, port.Device);
        _linkDown.Remove(port.Name);
        if (_captures.Remove(port.Index, out var capture)) capture.End();
        // After StopReceiving no worker holds a snapshot with this port, so no learn can re-add it.
        Fdb.Flush(port: port.Index, includeStatic: true);
        port.Device.Dispose();
    }

    private void DeleteTapQuietly(string name)
    {
        try
        {
            if (_ports.InterfaceExists(name)) _ports.DeleteInterface(name);
        }
        catch (Exception e) when (e is IOException or ConfigException)
        {
            LogTapNotDeleted(_log, name, e.Message);
        }
    }

    private void EnsureFree(string name)
    {
        if (FindLink(name) is { } used)
            throw new ConfigException(used.Pif.IsBond ? $"{name} is a member of bond {used.Pif.Name}" : $"{name} is the pif of {string.Join(", ", BridgesOn(used.Pif).Select(b => b.Name))}");
        if (_pifs.TryGetValue(name, out var bond) && bond.IsBond) throw new ConfigException($"{name} is a bond");
        foreach (var bridge in _bridges.Values)
        {
            if (bridge.Name == name) throw new ConfigException($"{name} is a bridge, not a port");
            if (bridge.AllPorts().Any(p => p.Name == name) || bridge.Absent.Any(p => p.Name == name))
                throw new ConfigException($"{name} is already a port of bridge {bridge.Name}");
        }
    }

    private ushort FreePortIndex(ushort alsoTaken) => FreePortIndex([alsoTaken]);

    private ushort FreePortIndex(HashSet<ushort> alsoTaken)
    {
        var used = _bridges.Values.SelectMany(b => b.AllPorts()).Select(p => p.Index)
            .Concat(_pifs.Values.SelectMany(p => p.Links).Select(l => l.Index)).ToHashSet();
        used.UnionWith(alsoTaken);
        for (int i = 1; i < ForwardingDatabase.MaxPorts; i++)
            if (!used.Contains((ushort)i)) return (ushort)i;
        throw new ConfigException("no free port number: 65,535 ports exist");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "port {Port} ({Kind}) added to {Bridge}")]
    private static partial void LogPortAdded(ILogger log, string port, string kind, string bridge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TAP {Tap} could not be deleted: {Reason}")]
    private static partial void LogTapNotDeleted(ILogger log, string tap, string reason);
}
