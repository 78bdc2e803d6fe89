using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
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
            EnsureNotHeld(device);
            AttachGuest(bridge, device, PortKind.Raw, null, NewUuid(), null);
            CommitOrUndo(() => RemoveGuest(bridge, device));
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
            if (_ports.InterfaceExists(name))
                throw new ConfigException($"cannot create tap {name}: an interface with " +
                $"that name already exists");
            var port = AttachGuest(bridge, name, PortKind.Tap, address, NewUuid(), null);
            CommitOrUndo(() => RemoveGuest(bridge, name));
            return port.ConfiguredMac!.Value;
        }
    }

    /// <summary>addsock: a stream port for a QEMU guest that needs no TAP. Returns the port (its device is the
    /// socket).</summary>
    public Port AddStream(string bridgeName, string name, string? mac, string? owner = null, int? mtu = null)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            Names.ValidateInterface(name, "stream port");
            var address = MacPolicy.PortMacOrRandom(mac);
            if (mtu is { } given) PortMtu.Validate($"stream port {name}", given);
            EnsureFree(name);
            var port = AttachGuest(bridge, name, PortKind.Stream, address, NewUuid(), owner, mtu);
            CommitOrUndo(() => RemoveGuest(bridge, name));
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
                throw new ConfigException($"cannot create VIF {name}: an interface with that name already exists " +
                    $"(addif attaches an existing interface)");
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
            CommitOrUndo(() =>
            {
                RemoveGuest(bridge, name);
                DeleteTapQuietly(name);
            });
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
                    throw new ConfigException($"{name} is not a VIF (it was attached with addif or addtap); delif " +
                        $"{bridge.Name} {name} removes it");
                PersistWithout(config => ForgetPort(BridgeIn(config, bridge.Name), name));
                RemoveGuest(bridge, name);
                DeleteTapQuietly(name);
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
                if (bridge.Uplink?.Name == name) throw new ConfigException($"{name} is the uplink (pif) of bridge " +
                    $"{bridgeName}; it goes with the bridge (delbr)");
                throw new ConfigException($"interface {name} is not a port of bridge {bridgeName}");
            }
            if (kind == PortKind.Vif)
                throw new ConfigException($"{name} is a VIF; delvif {name} removes it together with its TAP");
            PersistWithout(config => ForgetPort(BridgeIn(config, bridgeName), name));
            RemoveGuest(bridge, name);
        }
    }

    /// <summary>A port and its static MACs leave a bridge's configuration.</summary>
    private static void ForgetPort(BridgeConfig bridge, string name)
    {
        bridge.Ports.RemoveAll(p => p.Name == name);
        bridge.StaticMacs.RemoveAll(s => s.Port == name);
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
                ?? throw new ConfigException(
                    $"trunk: {portName} is not a guest port (the uplink carries every VLAN already)");
            VlanSet? set;
            try
            {
                if (vlans.Split(',').Any(v => v.Trim() == "0"))
                    throw new FormatException("VLAN 0 is a priority tag, not a VLAN: every port takes " +
                        "priority-tagged frames as untagged ones already");
                set = vlans == "none" ? null : VlanSet.Parse(vlans);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"trunk {portName}: {e.Message}");
            }
            var before = port.TrunkVlans;
            port.TrunkVlans = set;
            CommitOrUndo(() => port.TrunkVlans = before);
        }
    }

    /// <summary>
    /// Gives a port attached again (at start, or when its interface came back) what the configuration kept of
    /// it besides its device: trunk VLANs, locking, MAC limit. True when there was anything to give.
    /// </summary>
    private static bool ApplySaved(Port port, PortConfig saved)
    {
        if (saved.Trunks is not null) port.TrunkVlans = VlanSet.Parse(saved.Trunks);
        port.Locking = LockingOf(saved);
        port.MacLimit = saved.MacLimit;
        return saved.Trunks is not null || !port.Locking.IsDefault || saved.MacLimit is not null;
    }

    private static PortLocking LockingOf(PortConfig saved) => new(
        saved.LockingMode is null ? LockingMode.NetworkDefault : LockingModeNames.Parse(saved.LockingMode),
        PortLocking.ParseList("ipv4-allowed", string.Join(",", saved.Ipv4Allowed ?? [])),
        PortLocking.ParseList("ipv6-allowed", string.Join(",", saved.Ipv6Allowed ?? [])));

    /// <summary>The kind of guest port <paramref name="name"/> of the bridge, attached or absent; null when it is not
    /// one.</summary>
    private static PortKind? FindGuest(Bridge bridge, string name) =>
        bridge.Guests.FirstOrDefault(p => p.Name == name)?.Kind ?? bridge.Absent.FirstOrDefault(p
            => p.Name == name)?.Kind;

    /// <summary>
    /// Detaches each guest port the datapath found gone (<see cref="PortHealth.Gone"/>: a TAP deleted, or
    /// deleted with the namespace it had been moved to), which only the TAP's descriptor tells: it left this
    /// namespace when it was moved. Called ten times a second by the control loop; with nothing gone it
    /// allocates nothing.
    /// </summary>
    public void DetachGonePorts()
    {
        if (!_datapath.AnyGone) return;
        lock (_lock)
        {
            if (_disposed) return;
            foreach (ushort index in _datapath.TakeGone())
                foreach (var bridge in _bridges.Values)
                    if (bridge.Guests.FirstOrDefault(p => p.Index == index) is { } port) MakeAbsent(bridge, port);
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

    /// <summary>
    /// An interface appeared with the name of an absent raw port or VIF: the port binds to it again, with
    /// its settings and static MACs, as a restart would. A failure leaves it absent (logged).
    /// </summary>
    private void Reattach(Bridge bridge, PortConfig absent)
    {
        bridge.Absent.Remove(absent);
        try
        {
            var mac = absent.Mac is null ? (MacAddress?)null : MacAddress.Parse(absent.Mac);
            var port = AttachGuest(bridge, absent.Name, absent.Kind, mac, absent.Uuid ?? NewUuid(), absent.Owner,
                absent.Mtu);
            ApplySaved(port, absent);
            foreach (var (staticMac, portName) in bridge.StaticMacs)
                if (portName == port.Name) Fdb.AddStatic(bridge.Domain, staticMac, port.Index);
            Publish();
            LogPortBack(_log, port.Name, bridge.Name);
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            bridge.Absent.Add(absent);
            LogPortNotBack(_log, absent.Name, bridge.Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "port {Port} ({Bridge}) bound to its interface again")]
    private static partial void LogPortBack(ILogger log, string port, string bridge);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "port {Port} ({Bridge}) could not bind to the interface that appeared with its name, and stays " +
        "absent: {Reason}")]
    private static partial void LogPortNotBack(ILogger log, string port, string bridge, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "the interface of port {Port} ({Bridge}) is gone (deleted, or with its namespace): the port is " +
        "absent, kept in the configuration until delif or delvif removes it")]
    private static partial void LogPortGone(ILogger log, string port, string bridge);

    /// <summary>Detaches an attached guest port, or forgets an absent one, and forgets its static MACs.</summary>
    private void RemoveGuest(Bridge bridge, string name)
    {
        if (bridge.Guests.FirstOrDefault(p => p.Name == name) is { } port) Detach(bridge, port);
        else bridge.Absent.RemoveAll(p => p.Name == name);
        foreach (var mac in bridge.StaticMacs.Where(e => e.Value == name).Select(e => e.Key).ToList())
            bridge.StaticMacs.Remove(mac);
    }

    /// <summary>Takes a port off its bridge and closes it; its static MACs stay in the bridge's list (delif forgets
    /// them).</summary>
    private void Detach(Bridge bridge, Port port)
    {
        bridge.Guests.Remove(port);
        Publish();
        Close(port);
    }

    /// <param name="mtu">A stream port's MTU (its guest's); other ports take their interface's.</param>
    private Port AttachGuest(Bridge bridge, string name, PortKind kind, MacAddress? mac, string uuid, string? owner,
        int? mtu = null)
    {
        IPort device;
        switch (kind)
        {
            case PortKind.Tap:
                device = _ports.CreateTap(name, mac ?? MacAddress.RandomLocal());
                break;
            case PortKind.Stream:
                device = _ports.CreateStream(name, mac ?? MacAddress.RandomLocal(), owner, mtu ?? IPort.DefaultMtu);
                break;
            case PortKind.Vif:
                // After a restart the TAP is still there (and QEMU still holds it): just open it again.
                if (!_ports.InterfaceExists(name)) _ports.CreatePersistentTap(name, owner);
                device = _ports.OpenRaw(name);
                break;
            default:
                device = _ports.OpenRaw(name);
                WarnIfAddressed(name);
                break;
        }
        var configured = kind switch { PortKind.Tap or PortKind.Stream => device.Mac, PortKind.Vif => mac, _
            => (MacAddress?)null };
        var port = new Port(name, kind, PortRole.Guest, FreePortIndex(0), bridge.NextPortNumber(), device,
            configured) { Uuid = uuid, Owner = owner };
        TakeBaseline(port);
        bridge.Guests.Add(port);
        Publish();
        _datapath.StartReceiving(port.Index, device);
        LogPortAdded(_log, name, kind.ToString().ToLowerInvariant(), bridge.Name);
        return port;
    }

    /// <summary>
    /// The host's stack no longer receives on an interface the switch attached, so an IPv4 address there is
    /// dead (as on a kernel bridge's port): said once, with where the address belongs.
    /// </summary>
    private void WarnIfAddressed(string device)
    {
        if (_ports.HasIpv4Address(device)) LogAddressOnPort(_log, device);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Device} has an IPv4 address, which the host can no longer receive on now that the switch holds " +
        "the interface: put it on the bridge (pif-reconfigure-ip, or ip addr on the bridge's interface)")]
    private static partial void LogAddressOnPort(ILogger log, string device);

    private void Close(Port port)
    {
        // An uplink receives through its PIF's links, which the PIF closes; its device owns nothing.
        if (port.Role != PortRole.Uplink) _datapath.StopReceiving(port.Index, port.Device);
        _linkDown.Remove(port.Name);
        if (_captures.Remove(port.Index, out var capture)) capture.End();
        // After StopReceiving no worker holds a snapshot with this port, so no learn can re-add it.
        Fdb.Flush(port: port.Index, includeStatic: true);
        Fdb.SetPortLimit(port.Index, 0);
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

    /// <summary>
    /// Refuses to attach an interface the switch already holds under another name (an altname): one of its
    /// own TAPs made a raw port of its bridge would loop every broadcast back into it.
    /// </summary>
    private void EnsureNotHeld(string name)
    {
        int index = _ports.InterfaceIndex(name);
        if (index == 0) return;
        foreach (var bridge in _bridges.Values)
            foreach (var port in bridge.AllPorts())
                if (port.Place is { Namespace: null } place && place.Index == index)
                    throw new ConfigException(port.Role == PortRole.Host
                        ? $"{name} is bridge {bridge.Name}'s own interface"
                        : $"{name} is {port.Name}, already a port of bridge {bridge.Name}");
        foreach (var pif in _pifs.Values)
            foreach (var member in pif.Members)
                if ((member.Device as IInterfacePort)?.Place is { Namespace: null } place && place.Index == index)
                    throw new ConfigException($"{name} is {member.Name}, already a link of pif {pif.Name}");
    }

    private void EnsureFree(string name)
    {
        if (FindMember(name) is { } used)
            throw new ConfigException(used.Pif.IsBond ? $"{name} is a member of bond {used.Pif.Name}"
                : $"{name} is the pif of {string.Join(", ", BridgesOn(used.Pif).Select(b => b.Name))}");
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
            .Concat(_pifs.Values.SelectMany(p => p.Members).Select(l => l.Index)).ToHashSet();
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
