using Microsoft.Extensions.Logging;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Control;

// Interfaces as rtnetlink reports them: appearing, vanishing, renamed, moved between namespaces, up and
// down, and their MTU. What each port kind makes of it:
//   raw ports and VIFs  go absent when their interface vanishes or is renamed, and bind again to one of
//                       their name that appears;
//   PIF links           the same, and a bond moves traffic off a link that goes;
//   tap ports           are found where their TAP is (usually a guest's namespace), by the place link
//                       events give it, or by asking the TAP's descriptor;
//   every port          flushes its learned MACs when its link goes down, and takes its interface's MTU.
public sealed partial class SwitchController
{
    /// <summary>Called by the link monitor for every link message it sees (its own thread).</summary>
    public void OnInterfaceEvent(InterfaceEvent e)
    {
        lock (_lock)
        {
            if (_disposed) return;
            if (TapAt(e.Place) is { } tap)
            {
                OnTapLink(tap.Bridge, tap.Port, e);
                return;
            }
            if (e.Namespace is not null)
            {
                // Another namespace: only tap ports live there; one may have moved on to here.
                if (!e.Deleted && FindMovedTap(e) is { } moved) OnTapLink(moved.Bridge, moved.Port, e);
                return;
            }
            if (e.Deleted)
            {
                InterfaceGone(e.Name);
                return;
            }
            if (RenamedAway(e) is { } old)
            {
                LogRenamed(_log, old, e.Name);
                InterfaceGone(old);
            }
            if (FindMovedTap(e) is { } back)
            {
                OnTapLink(back.Bridge, back.Port, e);
                return;
            }
            InterfaceUp(e);
        }
    }

    /// <summary>
    /// Looks again, for when link events may have been missed (the monitor's queue overflowed, or the
    /// monitor started after the configuration was restored): absent ports whose interface is there bind
    /// to it, and ports whose interface is gone go absent.
    /// </summary>
    public void OnInterfaceEventsLost()
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var pif in _pifs.Values.ToList())
                foreach (var member in pif.Members)
                {
                    bool exists = _ports.InterfaceExists(member.Name);
                    if (!member.Present && exists) BindMember(pif, member);
                    else if (member.Present && !exists) UnbindMember(pif, member);
                }
            foreach (var bridge in _bridges.Values)
            {
                foreach (var absent in bridge.Absent.Where(p => p.Kind is PortKind.Raw or PortKind.Vif
                    && _ports.InterfaceExists(p.Name)).ToList())
                    Reattach(bridge, absent);
                foreach (var port in bridge.Guests.Where(p => p.Kind is PortKind.Raw or PortKind.Vif
                    && !_ports.InterfaceExists(p.Name)).ToList())
                    MakeAbsent(bridge, port);
            }
        }
    }

    /// <summary>The carrier of <paramref name="device"/> as polled (bond members, in case a link event was
    /// lost).</summary>
    private void OnCarrier(string device, bool running)
    {
        lock (_lock)
        {
            if (_disposed) return;
            if (FindMember(device) is { } member && member.Member.Present) OnPifLinkState(member.Pif, member.Member,
                running);
        }
    }

    /// <summary>An interface of the daemon's namespace is there (new, changed, or moved in): bind or follow
    /// it.</summary>
    private void InterfaceUp(InterfaceEvent e)
    {
        if (FindMember(e.Name) is { } member)
        {
            if (!member.Member.Present)
            {
                BindMember(member.Pif, member.Member);
                return;
            }
            if (member.Member.Mtu != e.Mtu)
            {
                member.Member.Mtu = e.Mtu;
                Publish();
            }
            OnPifLinkState(member.Pif, member.Member, e.Running);
            return;
        }
        foreach (var bridge in _bridges.Values)
        {
            if (bridge.Guests.FirstOrDefault(p => p.Name == e.Name
                && p.Kind is PortKind.Raw or PortKind.Vif) is { } port)
            {
                FollowLink(bridge, port, e);
                return;
            }
            if (bridge.Absent.FirstOrDefault(p => p.Name == e.Name
                && p.Kind is PortKind.Raw or PortKind.Vif) is { } absent)
            {
                Reattach(bridge, absent);
                return;
            }
        }
    }

    /// <summary>An interface left the daemon's namespace (deleted or moved away) or was renamed: its port is
    /// absent.</summary>
    private void InterfaceGone(string device)
    {
        if (FindMember(device) is { } member)
        {
            if (member.Member.Present) UnbindMember(member.Pif, member.Member);
            return;
        }
        // A tap port's TAP is told by its place and its descriptor (TapAt, DetachGonePorts), never by name.
        foreach (var bridge in _bridges.Values)
            if (bridge.Guests.FirstOrDefault(p => p.Name == device
                && p.Kind is PortKind.Raw or PortKind.Vif) is { } port)
            {
                MakeAbsent(bridge, port);
                return;
            }
    }

    /// <summary>
    /// The old name, when <paramref name="e"/> shows the interface of a raw port, VIF or PIF link under a new
    /// name. The port keeps its name (the configuration names interfaces, as XenServer does), so it goes
    /// absent until an interface of that name appears again.
    /// </summary>
    private string? RenamedAway(InterfaceEvent e)
    {
        foreach (var pif in _pifs.Values)
            foreach (var member in pif.Members)
                if ((member.Device as IInterfacePort)?.Place is { } place && place == e.Place
                    && member.Name != e.Name)
                    return member.Name;
        foreach (var bridge in _bridges.Values)
            foreach (var port in bridge.Guests)
                if (port.Kind is PortKind.Raw or PortKind.Vif && port.Place == e.Place
                    && port.Name != e.Name)
                    return port.Name;
        return null;
    }

    /// <summary>A raw port's or VIF's link changed: its MTU is followed, and link loss flushes its learned
    /// MACs.</summary>
    private void FollowLink(Bridge bridge, Port port, InterfaceEvent e)
    {
        if (port.Mtu != e.Mtu)
        {
            port.Mtu = e.Mtu;
            Publish();
        }
        SetLinkRunning(bridge, port, e.Running);
    }

    /// <summary>
    /// A tap port's TAP (or a bridge's own interface) changed, wherever it is: it moved on, its MTU
    /// changed, or it went up or down in its guest's namespace.
    /// </summary>
    private void OnTapLink(Bridge bridge, Port port, InterfaceEvent e)
    {
        if (e.Deleted)
        {
            // Moved: from here the kernel says where to (the id is ours); from a guest's namespace the id it
            // gives is that namespace's, so the place is unknown until the TAP shows up (FindMovedTap).
            // Deleted: its descriptor tells (DetachGonePorts).
            port.Place = e.MovedTo is { } to && e.Namespace is null ? to : null;
            return;
        }
        port.Place = e.Place;
        if (port.Mtu != e.Mtu)
        {
            port.Mtu = e.Mtu;
            Publish();
        }
        // A TAP has carrier while its descriptor (ours) is open: up and down is the guest's `ip link set`.
        // Events arrive late: a TAP just created reports itself down before it is set up. In the daemon's
        // namespace the event is a cue to look, so a stale one changes nothing (and logs no false link loss).
        bool running = e.Namespace is null && e.Name == port.Name ? StillRunning(port.Name, e.Running) : e.Running;
        SetLinkRunning(bridge, port, running);
    }

    /// <summary>Whether the interface runs now, by asking it; the event's word where it cannot be asked.</summary>
    private bool StillRunning(string name, bool reported)
    {
        try
        {
            return _ports.LinkRunning(name);
        }
        catch (Exception e) when (e is IOException or ConfigException)
        {
            return reported;
        }
    }

    /// <summary>
    /// A port's link went down or came up. A port whose link is down has nothing behind it any more, so its
    /// learned entries are flushed at once: frames to those MACs flood until they show up elsewhere.
    /// </summary>
    private void SetLinkRunning(Bridge bridge, Port port, bool running)
    {
        if (_linkDown.Contains(port.Name) == !running) return; // no change
        if (running)
        {
            _linkDown.Remove(port.Name);
            LogLinkUp(_log, port.Name, bridge.Name);
        }
        else
        {
            _linkDown.Add(port.Name);
            int flushed = Fdb.Flush(port: port.Index);
            LogLinkDown(_log, port.Name, bridge.Name, flushed);
        }
    }

    /// <summary>The tap port (or bridge interface) whose TAP is at <paramref name="place"/>, as far as link events have
    /// told.</summary>
    private (Bridge Bridge, Port Port)? TapAt(InterfacePlace place)
    {
        foreach (var bridge in _bridges.Values)
            foreach (var port in bridge.AllPorts())
                if (port.Kind == PortKind.Tap && port.Place == place) return (bridge, port);
        return null;
    }

    /// <summary>
    /// A tap port whose place was lost (its TAP moved on from a guest's namespace) and whose TAP is now the
    /// interface <paramref name="e"/> reports: asked of each such port's descriptor.
    /// </summary>
    private (Bridge Bridge, Port Port)? FindMovedTap(InterfaceEvent e)
    {
        foreach (var bridge in _bridges.Values)
            foreach (var port in bridge.AllPorts())
                if (port.Kind == PortKind.Tap && port.Place is null && port.Device is IInterfacePort tap
                    && tap.IsNow(e.Namespace, e.Name))
                    return (bridge, port);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "interface {Old} was renamed to {New}: port {Old} is absent until an interface named {Old} appears")]
    private static partial void LogRenamed(ILogger log, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "link down on {Port} ({Bridge}): flushed {Flushed} learned MACs")]
    private static partial void LogLinkDown(ILogger log, string port, string bridge, int flushed);

    [LoggerMessage(Level = LogLevel.Information, Message = "link up on {Port} ({Bridge})")]
    private static partial void LogLinkUp(ILogger log, string port, string bridge);
}
