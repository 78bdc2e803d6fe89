using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

// PIFs: NICs shared by an untagged bridge and VLAN bridges, and bonds of several NICs with failover.
public sealed partial class SwitchController
{
    private readonly Dictionary<string, Pif> _pifs = new(StringComparer.Ordinal);

    /// <summary>addbond: a PIF made of two or more NICs, which bridges can then use as their pif.</summary>
    public void AddBond(string name, IReadOnlyList<string> members, string? mode, string? mac, string? primary,
        int updelayMs, int downdelayMs)
    {
        lock (_lock)
        {
            Names.ValidateInterface(name, "bond");
            if (_pifs.ContainsKey(name) || _bridges.ContainsKey(name))
                throw new ConfigException($"{name} already exists");
            EnsureFree(name);
            if (_ports.InterfaceExists(name)) throw new ConfigException($"cannot create bond {name}: an interface " +
                $"named {name} already exists");
            if (members.Count < 2) throw new ConfigException($"bond {name} needs at least two members, not " +
                $"{members.Count}");
            if (members.Distinct(StringComparer.Ordinal).Count() != members.Count)
                throw new ConfigException($"bond {name}: a member is named twice");
            foreach (var member in members)
            {
                Names.ValidateInterface(member, "bond member");
                EnsureFree(member);
                if (!_ports.InterfaceExists(member))
                    throw new ConfigException($"bond {name}: member {member} does not exist");
                EnsureNotHeld(member);
                if (_ports.HasIpv4Address(member))
                    throw new ConfigException($"bond {name}: member {member} has an IP address; a bond member " +
                        $"carries guest traffic only (move the address to the bridge with pif-reconfigure-ip)");
            }
            var settings = new BondSettings(BondModeNames.Parse(mode ?? "active-backup"), primary, updelayMs,
                downdelayMs, NewUuid(), mac is not null);
            if (primary is not null && !members.Contains(primary))
                throw new ConfigException($"bond {name}: primary {primary} is not one of its members");
            if (updelayMs < 0 || downdelayMs < 0)
                throw new ConfigException($"bond {name}: updelay and downdelay are milliseconds, 0 or more");
            var address = mac is null ? (MacAddress?)null : MacPolicy.ValidatePortMac(mac);
            var bond = OpenBond(name, members, settings, address, members.ToDictionary(m => m, _ => NewUuid()));
            PersistOrUndo(() => ClosePif(bond));
        }
    }

    /// <summary>delbond: refused while a bridge uses the bond.</summary>
    public void DeleteBond(string name)
    {
        lock (_lock)
        {
            if (!_pifs.TryGetValue(name, out var pif) || !pif.IsBond)
                throw new ConfigException($"no bond named {name}");
            var users = BridgesOn(pif).Select(b => b.Name).ToList();
            if (users.Count > 0) throw new ConfigException($"bond {name} is the pif of {string.Join(", ", users)}; " +
                $"delete those bridges first");
            PersistWithout(config => config.Bonds.RemoveAll(b => b.Name == name));
            ClosePif(pif);
        }
    }

    /// <summary>A PIF member's counter since it was opened (for bond show).</summary>
    public long MemberCounter(PifMember member, int field)
    {
        lock (_lock) return MemberCounterLocked(member, field);
    }

    private void RestoreBond(BondConfig b)
    {
        var settings = new BondSettings(BondModeNames.Parse(b.Mode), b.Primary, b.UpdelayMs, b.DowndelayMs, b.Uuid
            ?? NewUuid(), b.Mac is not null);
        var uuids = b.Members.ToDictionary(m => m, m => b.MemberUuids.GetValueOrDefault(m) ?? NewUuid());
        OpenBond(b.Name, b.Members, settings, b.Mac is null ? null : MacAddress.Parse(b.Mac), uuids, restoring: true);
    }

    /// <param name="restoring">From the config at start: a member that is missing is absent, not an error.</param>
    private Pif OpenBond(string name, IReadOnlyList<string> names, BondSettings settings, MacAddress? mac,
        Dictionary<string, string> uuids,
        bool restoring = false)
    {
        var members = new List<PifMember>();
        try
        {
            foreach (var memberName in names)
            {
                var member = new PifMember(memberName, FreePortIndex(members.Select(m => m.Index).ToHashSet()),
                    uuids[memberName]);
                members.Add(member);
                if (OpenMember(member,
                    mustExist: !restoring)) member.Carrier = member.Enabled = _ports.LinkRunning(memberName);
            }
        }
        catch
        {
            foreach (var member in members) member.Detach()?.Dispose();
            throw;
        }
        // A bond takes its first member's MAC; with every member missing at start, one is made up until a restart finds
        // them.
        var first = members.FirstOrDefault(m => m.Present);
        var pif = new Pif(name, mac ?? first?.Device!.Mac ?? MacAddress.RandomLocal(), members,
            settings) { MacKnown = mac is not null || first is not null };
        pif.Active = ChooseActive(pif);
        StartPif(pif);
        LogBondAdded(_log, name, BondModeNames.Of(settings.Mode), string.Join(", ", names), pif.Active?.Name ?? "none");
        return pif;
    }

    /// <summary>
    /// The PIF a bridge is created on: a bond, a NIC already shared with other bridges, or a NIC opened now.
    /// When <paramref name="restoring"/>, a NIC that is missing is kept as an absent PIF.
    /// </summary>
    private Pif AcquirePif(string device, bool restoring)
    {
        if (_pifs.TryGetValue(device, out var pif)) return pif;
        var member = new PifMember(device, FreePortIndex([]), NewUuid());
        if (OpenMember(member, mustExist: !restoring)) member.Carrier = member.Enabled = true;
        pif = new Pif(device, member.Device?.Mac ?? MacAddress.RandomLocal(), [member],
            null) { MacKnown = member.Present };
        StartPif(pif);
        return pif;
    }

    /// <summary>
    /// Opens the member's interface. A missing interface, or one that cannot be opened, is an error when
    /// <paramref name="mustExist"/>; otherwise the member stays absent (logged) and false is returned.
    /// </summary>
    private bool OpenMember(PifMember member, bool mustExist)
    {
        IPort opened;
        try
        {
            if (!_ports.InterfaceExists(member.Name))
                throw new ConfigException($"interface {member.Name} does not exist");
            opened = _ports.OpenRaw(member.Name);
        }
        catch (Exception e) when (!mustExist && e is ConfigException or IOException)
        {
            LogMemberAbsent(_log, member.Name, e.Message);
            return false;
        }
        if (opened is not ITaggingPort tagging)
        {
            opened.Dispose();
            throw new ConfigException($"{member.Name} cannot serve as a pif: its port cannot tag frames");
        }
        member.Attach(tagging);
        WarnIfAddressed(member.Name);
        return true;
    }

    private void StartPif(Pif pif)
    {
        _pifs.Add(pif.Name, pif);
        foreach (var member in pif.Members) TakeBaseline(member.Index, member.Baseline);
        Publish();
        foreach (var member in pif.Members)
            if (member.Device is { } device) _datapath.StartReceiving(member.Index, device);
    }

    /// <summary>A NIC's PIF goes when its last bridge goes; a bond's stays until delbond.</summary>
    private void ReleasePif(Pif pif)
    {
        if (!pif.IsBond && !BridgesOn(pif).Any()) ClosePif(pif);
    }

    private void ClosePif(Pif pif)
    {
        _pifs.Remove(pif.Name);
        Publish();
        foreach (var member in pif.Members)
        {
            member.Pending?.Dispose();
            if (member.Detach() is not { } device) continue;
            _datapath.StopReceiving(member.Index, device);
            device.Dispose();
        }
    }

    /// <summary>An absent member's interface appeared: the member binds to it, and (in a bond) waits out updelay as any
    /// link coming up does.</summary>
    private void BindMember(Pif pif, PifMember member)
    {
        if (!OpenMember(member, mustExist: false)) return;
        TakeBaseline(member.Index, member.Baseline);
        if (!pif.IsBond) member.Carrier = member.Enabled = true;
        Publish();
        _datapath.StartReceiving(member.Index, member.Device!);
        if (pif.MacKnown && member.Device!.Mac != pif.Mac && !pif.IsBond)
            LogMacChanged(_log, member.Name, member.Device.Mac.ToString(), pif.Mac.ToString());
        LogMemberBound(_log, member.Name, pif.Name);
        if (pif.IsBond) OnPifLinkState(pif, member, CurrentlyRunning(member));
        else foreach (var bridge in BridgesOn(pif)) Fdb.Flush(port: bridge.Uplink!.Index);
    }

    /// <summary>A member's interface vanished (deleted, moved away or renamed): the member lets go of it and is
    /// absent.</summary>
    private void UnbindMember(Pif pif, PifMember member)
    {
        member.Pending?.Dispose();
        member.Pending = null;
        // A bond first moves traffic off the member (announcing its guests on another), as for a carrier loss.
        if (pif.IsBond && member.Enabled)
        {
            member.Carrier = false;
            SetEnabled(pif, member, false);
        }
        var device = member.Detach()!;
        member.LastChange = DateTime.UtcNow;
        Publish();
        _datapath.StopReceiving(member.Index, device);
        device.Dispose();
        int flushed = BridgesOn(pif).Sum(b => Fdb.Flush(port: b.Uplink!.Index));
        LogMemberGone(_log, member.Name, pif.Name, flushed);
    }

    private IEnumerable<Bridge> BridgesOn(Pif pif) => _bridges.Values.Where(b => b.Pif == pif);

    private (Pif Pif, PifMember Member)? FindMember(string device)
    {
        foreach (var pif in _pifs.Values)
            foreach (var member in pif.Members)
                if (member.Name == device) return (pif, member);
        return null;
    }

    // ---- link state and failover (caller holds _lock) ------------------------------------------

    /// <summary>
    /// A link of a PIF changed state. A plain NIC's learned MACs behind it are flushed when it goes down;
    /// a bond member's change waits out downdelay or updelay, then re-chooses the links that carry traffic.
    /// </summary>
    private void OnPifLinkState(Pif pif, PifMember member, bool running)
    {
        // Events arrive late and in bursts (opening a link sets it up: first without carrier, then with). An event
        // is taken as a cue to look, so a stale one that the interface has already left behind changes nothing.
        if (member.Carrier == running || CurrentlyRunning(member) != running) return;
        member.Carrier = running;
        member.LastChange = DateTime.UtcNow;
        member.Pending?.Dispose();
        member.Pending = null;
        if (!pif.IsBond)
        {
            if (!running)
            {
                int flushed = BridgesOn(pif).Sum(b => Fdb.Flush(port: b.Uplink!.Index));
                LogLinkDown(_log, member.Name, pif.Name, flushed);
            }
            else LogLinkUp(_log, member.Name, pif.Name);
            return;
        }
        // With no link carrying traffic there is nothing to protect by waiting: take the first one back at once (as
        // Linux bonding does).
        int delay = running ? (pif.Active is null ? 0 : pif.Bond!.UpdelayMs) : pif.Bond!.DowndelayMs;
        LogBondLink(_log, pif.Name, member.Name, running ? "up" : "down", delay);
        if (delay == 0 || (running ? member.Enabled : !member.Enabled))
        {
            SetEnabled(pif, member, running);
            return;
        }
        member.Pending = new Timer(_ =>
        {
            lock (_lock)
            {
                if (_disposed || member.Carrier != running || !_pifs.ContainsValue(pif)) return;
                member.Pending = null;
                SetEnabled(pif, member, running);
            }
        }, null, delay, Timeout.Infinite);
    }

    private void SetEnabled(Pif pif, PifMember member, bool enabled)
    {
        if (member.Enabled == enabled) return;
        member.Enabled = enabled;
        var before = pif.Active;
        pif.Active = ChooseActive(pif);
        bool balanced = pif.Bond!.Mode == BondMode.BalanceSlb;
        // active-backup: a standby link changing state moves no traffic.
        if (!balanced && before == pif.Active) return;
        // A failover is traffic leaving a link that carried it: the active link, or one of balance-slb's.
        if (balanced ? !enabled : before is not null)
        {
            pif.Failovers++;
            pif.LastFailover = DateTime.UtcNow;
        }
        Publish();
        int announced = Announce(pif);
        LogFailover(_log, pif.Name, before?.Name ?? "none", pif.Active?.Name ?? "none", announced);
    }

    private bool CurrentlyRunning(PifMember member)
    {
        try
        {
            return _ports.LinkRunning(member.Name);
        }
        catch (IOException)
        {
            return false; // gone
        }
    }

    /// <summary>The primary when it is enabled; else the current active link if still enabled; else the first
    /// enabled.</summary>
    private static PifMember? ChooseActive(Pif pif)
    {
        var enabled = pif.Members.Where(l => l.Enabled).ToList();
        if (pif.Bond?.Primary is { } primary && enabled.FirstOrDefault(l
            => l.Name == primary) is { } preferred) return preferred;
        if (pif.Active is { } current && current.Enabled) return current;
        return enabled.FirstOrDefault();
    }

    /// <summary>
    /// Tells the upstream switch where every local MAC now is, out of the links that carry it: a gratuitous
    /// ARP where the MAC's IPv4 address is known (the bridge's management address, a guest's from its own
    /// ARP packets), else a RARP learning frame, as Open vSwitch sends on a bond failover. Returns frames sent.
    /// </summary>
    private int Announce(Pif pif)
    {
        int sent = 0;
        foreach (var bridge in BridgesOn(pif))
        {
            var frames = new List<byte[]>();
            foreach (var entry in Fdb.Entries(NowMilliseconds, bridge.Domain))
            {
                if (entry.Port == bridge.Uplink!.Index) continue;
                var ip = entry.Mac == bridge.Mac ? bridge.Management?.Ip : Addresses.Find(bridge.Domain, entry.Mac);
                frames.Add(ip is null ? LearningFrames.Rarp(entry.Mac) : LearningFrames.GratuitousArp(entry.Mac, ip));
            }
            if (frames.Count == 0) continue;
            using var batch = new PacketBatch(frames.Count, LearningFrames.Length + PacketBatch.Headroom);
            foreach (var frame in frames) batch.Add(frame);
            var all = Enumerable.Range(0, batch.Count).ToArray();
            sent += ((UplinkPort)bridge.Uplink!.Device).Transmit(batch, all).Sent;
        }
        return sent;
    }

    /// <summary>A member's counter since it was opened (caller holds _lock).</summary>
    private long MemberCounterLocked(PifMember member, int field) => SumCounter(member.Index,
        field) - member.Baseline[field];

    /// <summary>Polls carrier of every bond member, in case a link event was lost; call every ~100 ms.</summary>
    public void PollCarrier()
    {
        // Ten times a second for the daemon's whole life: with nothing changed it allocates nothing (no
        // LINQ, the list only on a change), so an idle switch's memory stays flat.
        List<(string, bool)>? changes = null;
        lock (_lock)
        {
            foreach (var pif in _pifs.Values)
            {
                if (!pif.IsBond) continue;
                foreach (var member in pif.Members)
                    if (member.Present && CurrentlyRunning(member) is var running && running != member.Carrier)
                        (changes ??= []).Add((member.Name, running));
            }
        }
        if (changes is null) return;
        foreach (var (name, running) in changes) OnCarrier(name, running);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "pif member {Member} is absent ({Reason}): it binds to the interface when one of that name appears")]
    private static partial void LogMemberAbsent(ILogger log, string member, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pif member {Member} of {Pif} bound to its interface again")]
    private static partial void LogMemberBound(ILogger log, string member, string pif);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "pif member {Member} of {Pif} lost its interface (deleted, moved or renamed): absent, flushed " +
        "{Flushed} learned MACs")]
    private static partial void LogMemberGone(ILogger log, string member, string pif, int flushed);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "pif {Member} came back with MAC {Mac}; its bridges keep {Kept} until vswitchd restarts")]
    private static partial void LogMacChanged(ILogger log, string member, string mac, string kept);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "bond {Bond} added ({Mode}; members {Members}; active {Active})")]
    private static partial void LogBondAdded(ILogger log, string bond, string mode, string members, string active);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "bond {Bond}: link {Member} is {State} (delay {DelayMs} ms before it counts)")]
    private static partial void LogBondLink(ILogger log, string bond, string member, string state, int delayMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "bond {Bond}: traffic moved from {From} to {To}; announced {Announced} MACs upstream")]
    private static partial void LogFailover(ILogger log, string bond, string from, string to, int announced);
}
