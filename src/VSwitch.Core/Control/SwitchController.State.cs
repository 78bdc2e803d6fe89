using VSwitch.Core.Capture;
using VSwitch.Core.Config;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

// Reading the state (queries, counters, captures) and writing it out (snapshots, the config file).
public sealed partial class SwitchController
{
    /// <summary>Runs a query over the bridges (ordered by name) under the lock, so it sees one consistent
    /// state.</summary>
    public T Read<T>(Func<IReadOnlyList<Bridge>, T> query)
    {
        lock (_lock) return query(_bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>Like <see cref="Read{T}"/>, with the PIFs (NICs in use and bonds) as well.</summary>
    public T Read<T>(Func<IReadOnlyList<Bridge>, IReadOnlyList<Pif>, T> query)
    {
        lock (_lock) return query(_bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList(),
            _pifs.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>The live bridge objects; for tests and single-threaded callers. Concurrent readers use <see
    /// cref="Read{T}"/>.</summary>
    public IReadOnlyList<Bridge> Bridges() => Read(bridges => bridges);

    public Bridge Bridge(string name)
    {
        lock (_lock) return Existing(name);
    }

    public SwitchConfig CurrentConfig()
    {
        lock (_lock) return BuildConfig();
    }

    /// <summary>
    /// Counters: with no name, every bridge's totals and ports; with a bridge's name, its totals and ports;
    /// with a port's name, that port.
    /// </summary>
    public List<PortStats> Stats(string? name)
    {
        lock (_lock)
        {
            var list = new List<PortStats>();
            foreach (var bridge in _bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal))
            {
                if (name is null || name == bridge.Name)
                {
                    var ports = bridge.AllPorts().Select(p => StatsOf(bridge, p)).ToList();
                    list.Add(Total(bridge, ports));
                    list.AddRange(ports);
                }
                else if (bridge.AllPorts().FirstOrDefault(p => p.Name == name && p.Role != PortRole.Host) is { } port)
                    list.Add(StatsOf(bridge, port));
            }
            // The PIFs' physical links: what arrived on the wire, before it was sorted into bridges.
            foreach (var pif in _pifs.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
                foreach (var member in pif.Members)
                    if (name is null || name == member.Name || name == pif.Name) list.Add(StatsOfMember(pif, member));
            if (name is not null && list.Count == 0) throw new ConfigException($"no bridge, port or pif named {name}");
            return list;
        }
    }

    /// <summary>Starts capturing on a port: from the next snapshot on, workers copy its frames into the session's
    /// rings.</summary>
    public CaptureSession StartCapture(string portName)
    {
        lock (_lock)
        {
            var port = _bridges.Values.SelectMany(b => b.AllPorts()).FirstOrDefault(p => p.Name == portName)
                ?? throw new ConfigException($"capture: no port named {portName}");
            if (_captures.ContainsKey(port.Index)) throw new ConfigException($"capture: {portName} is already being " +
                $"captured; one capture per port at a time");
            var session = new CaptureSession(portName, _datapath.Counters.Count);
            _captures[port.Index] = session;
            Publish();
            return session;
        }
    }

    public void StopCapture(CaptureSession session)
    {
        lock (_lock)
        {
            session.End();
            var entry = _captures.FirstOrDefault(c => c.Value == session);
            if (entry.Value is null || _disposed) return;
            _captures.Remove(entry.Key);
            Publish();
        }
    }

    // ---- counters (caller holds _lock) -------------------------------------------------------

    private void TakeBaseline(Port port) => TakeBaseline(port.Index, port.Baseline);

    private void TakeBaseline(ushort index, long[] baseline)
    {
        for (int field = 0; field < PortCounters.Fields; field++)
            baseline[field] = SumCounter(index, field);
    }

    private long SumCounter(ushort index, int field)
    {
        long sum = 0;
        foreach (var counters in _datapath.Counters) sum += counters.Read(index, field);
        return sum;
    }

    private PortStats StatsOfMember(Pif pif, PifMember member) =>
        Counted(member.Index, member.Baseline, member.Name, pif.Name, "link", kernelDrops: 0) with { Mtu = member.Mtu };

    private PortStats StatsOf(Bridge bridge, Port port)
    {
        string kind = port.Role switch
        {
            PortRole.Host => "host",
            PortRole.Uplink => "pif",
            _ => port.Kind.ToString().ToLowerInvariant(),
        };
        long kernelDrops = port.Device is IKernelDropCounter device ? device.KernelReceiveDrops() : 0;
        return Counted(port.Index, port.Baseline, port.Name, bridge.Name, kind, kernelDrops) with
        {
            Mtu = MtuOf(bridge, port),
            MacLimit = port.Role == PortRole.Host ? null : port.MacLimit ?? Fdb.Limits.MaxEntriesPerPort,
        };
    }

    /// <summary>
    /// A port's figures: its workers' counters since the port took its index, plus the frames its kernel
    /// device dropped on their way to the switch (<paramref name="kernelDrops"/>, counted as rx_queue_full).
    /// </summary>
    private PortStats Counted(ushort index, long[] baseline, string name, string owner, string kind, long kernelDrops)
    {
        long Read(int field) => SumCounter(index, field) - baseline[field] +
                                (field == PortCounters.FirstDrop + (int)DropReason.RxQueueFull ? kernelDrops : 0);
        var reasons = new Dictionary<string, long>();
        long rxErrors = 0, rxDropped = 0, txErrors = 0, txDropped = 0;
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            long n = Read(PortCounters.FirstDrop + (int)reason);
            if (n == 0) continue;
            reasons[DropReasonNames.Of(reason)] = n;
            if (reason == DropReason.TxError) txErrors += n;
            else if (DropReasonNames.IsTx(reason)) txDropped += n;
            else if (DropReasonNames.IsRxError(reason)) rxErrors += n;
            else rxDropped += n;
        }
        return new PortStats(name, owner, kind,
            Read(PortCounters.RxPackets), Read(PortCounters.RxBytes), rxErrors, rxDropped,
            Read(PortCounters.TxPackets), Read(PortCounters.TxBytes), txErrors, txDropped,
            Read(PortCounters.FloodedFrames), reasons, LearningRefused: Read(PortCounters.LearningRefused));
    }

    /// <summary>A bridge's figures: frames that entered it from any port, and frames it sent out of any port.</summary>
    private static PortStats Total(Bridge bridge, List<PortStats> ports)
    {
        var reasons = new Dictionary<string, long>();
        foreach (var (reason, n) in ports.SelectMany(p => p.DropsByReason))
            reasons[reason] = reasons.GetValueOrDefault(reason) + n;
        return new PortStats(bridge.Name, bridge.Name, "bridge",
            ports.Sum(p => p.RxPackets), ports.Sum(p => p.RxBytes), ports.Sum(p => p.RxErrors), ports.Sum(p
                => p.RxDropped),
            ports.Sum(p => p.TxPackets), ports.Sum(p => p.TxBytes), ports.Sum(p => p.TxErrors), ports.Sum(p
                => p.TxDropped),
            ports.Sum(p => p.Flooded), reasons, LearningRefused: ports.Sum(p => p.LearningRefused));
    }

    // ---- publishing and persisting (caller holds _lock) ---------------------------------------

    private void Publish()
    {
        int maxPort = 0, maxDomain = 0;
        foreach (var bridge in _bridges.Values)
        {
            maxDomain = Math.Max(maxDomain, bridge.Domain);
            foreach (var port in bridge.AllPorts()) maxPort = Math.Max(maxPort, port.Index);
        }
        foreach (var member in _pifs.Values.SelectMany(p => p.Members)) maxPort = Math.Max(maxPort, member.Index);
        var ports = new SnapshotPort?[maxPort + 1];
        var bridges = new SnapshotBridge?[maxDomain + 1];
        foreach (var bridge in _bridges.Values)
        {
            foreach (var port in bridge.AllPorts())
            {
                // The uplink sends through the PIF's members that carry traffic now: a failover is a publish.
                if (port.Device is UplinkPort uplink) uplink.Carry(bridge.Pif!.CarryingMembers(),
                    bridge.Pif.Bond?.Mode == BondMode.BalanceSlb);
                ports[port.Index] = new SnapshotPort(port.Index, bridge.Domain, port.Name, port.Role, port.Device,
                    _captures.GetValueOrDefault(port.Index))
                {
                    TrunkVlans = port.TrunkVlans, Mtu = MtuOf(bridge, port), Lock = LockOf(bridge, port),
                };
                Fdb.SetPortLimit(port.Index, port.MacLimit ?? 0);
            }
            // A disabled port takes no floods; a frame for it alone is dropped on the way (PortDisabled).
            var members = bridge.AllPorts().Where(p => ports[p.Index]!.Lock is not { IsDisabled: true }).ToArray();
            bridges[bridge.Domain] = new SnapshotBridge(bridge.Domain, bridge.Name, bridge.Mac,
                bridge.AgeingSeconds * 1000L,
                members.Select(p => p.Index).ToArray(), members.Select(p => MtuOf(bridge, p)).ToArray());
        }
        foreach (var pif in _pifs.Values) PublishMembers(pif, ports);
        _datapath.Publish(new ForwardingSnapshot(++_version, ports, bridges));
    }

    /// <summary>
    /// A PIF's members as receive ports: one table, by VLAN ID, of the uplink port each tag belongs to.
    /// VLAN networks take their tag off; the untagged network takes untagged and priority-tagged frames
    /// (VLAN 0), and the tags its trunk-mode guests carry, which no VLAN network on the PIF claims.
    /// </summary>
    private void PublishMembers(Pif pif, SnapshotPort?[] ports)
    {
        var byVlan = new ushort[4096];
        var pop = new bool[4096];
        ushort untagged = 0;
        foreach (var bridge in BridgesOn(pif).Where(b => b.Vlan == 0))
        {
            untagged = bridge.Uplink!.Index;
            byVlan[0] = untagged;
            pop[0] = true;
            foreach (var guest in bridge.Guests)
                foreach (int id in guest.TrunkVlans?.Ids() ?? [])
                    byVlan[id] = untagged;
        }
        foreach (var bridge in BridgesOn(pif).Where(b => b.Vlan != 0))
        {
            byVlan[bridge.Vlan] = bridge.Uplink!.Index;
            pop[bridge.Vlan] = true;
        }
        foreach (var member in pif.Members)
            if (member.Device is { } device)
                ports[member.Index] = new SnapshotPort(member.Index, 0, member.Name, PortRole.PifMember, device)
                {
                    Demux = new VlanDemux(byVlan, pop, untagged, pif.Admission(member)),
                };
    }

    /// <summary>A guest port's VIF locking as the datapath checks it; null when it is unlocked.</summary>
    private static PortLock? LockOf(Bridge bridge, Port port)
    {
        if (port.Role != PortRole.Guest) return null;
        return port.Locking.Effective(bridge.DefaultLockingMode) switch
        {
            LockingMode.Disabled => PortLock.Disabled,
            LockingMode.Locked when port.ConfiguredMac is { } mac =>
                PortLock.Locked(mac, port.Locking.Ipv4Allowed, port.Locking.Ipv6Allowed),
            // Locking needs the guest's MAC; a raw port was given none, so it cannot be locked (refused when set).
            LockingMode.Locked => PortLock.Disabled,
            _ => null,
        };
    }

    /// <summary>What a frame out of the port may carry: the uplink's is its PIF's smallest member MTU.</summary>
    private static int MtuOf(Bridge bridge, Port port) => port.Role == PortRole.Uplink ? bridge.Pif!.Mtu : port.Mtu;

    private void Persist() => _persist?.Invoke(BuildConfig());

    private SwitchConfig BuildConfig() => new()
    {
        LogLevel = _settings.LogLevel,
        Workers = _settings.Workers,
        Fdb = _settings.Fdb,
        Bonds = _pifs.Values.Where(p => p.IsBond).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p
            => new BondConfig
        {
            Name = p.Name,
            Uuid = p.Bond!.Uuid,
            Members = p.Members.Select(l => l.Name).ToList(),
            MemberUuids = p.Members.ToDictionary(l => l.Name, l => l.Uuid),
            Mode = BondModeNames.Of(p.Bond.Mode),
            Mac = p.Bond.MacGiven ? p.Mac.ToString() : null,
            Primary = p.Bond.Primary,
            UpdelayMs = p.Bond.UpdelayMs,
            DowndelayMs = p.Bond.DowndelayMs,
        }).ToList(),
        Bridges = _bridges.Values.OrderBy(b => b.Domain).Select(b => new BridgeConfig
        {
            Name = b.Name,
            Uuid = b.Uuid,
            NameLabel = b.NameLabel == b.Name ? null : b.NameLabel,
            OtherConfig = new(b.OtherConfig),
            Pif = b.Pif?.Name,
            Vlan = b.Vlan == 0 ? null : b.Vlan,
            PifUuid = b.Uplink?.Uuid,
            Mac = b.Pif is null ? null : b.Mac.ToString(),
            PifOtherConfig = new(b.PifOtherConfig),
            Management = b.Management is null ? null : new ManagementAddressConfig
            {
                Ip = b.Management.Ip.ToString(),
                Netmask = b.Management.Netmask.ToString(),
            },
            AgeingSeconds = b.AgeingSeconds,
            DefaultLockingMode = b.DefaultLockingMode == LockingMode.Unlocked ? null
                : LockingModeNames.Of(b.DefaultLockingMode),
            PifMacLimit = b.Uplink?.MacLimit,
            Ports = b.Guests.Select(ConfigOf).Concat(b.Absent).ToList(),
            StaticMacs = b.StaticMacs.Select(e => new StaticMacConfig { Mac = e.Key.ToString(),
                Port = e.Value }).ToList(),
        }).ToList(),
    };

    /// <summary>What the configuration keeps of a guest port: enough to attach it again.</summary>
    private static PortConfig ConfigOf(Port p) => new()
    {
        Name = p.Name,
        Uuid = p.Uuid,
        Kind = p.Kind,
        Mac = p.ConfiguredMac?.ToString(),
        Owner = p.Owner,
        Trunks = p.TrunkVlans?.ToString(),
        Mtu = p.Kind == PortKind.Stream && p.Mtu != IPort.DefaultMtu ? p.Mtu : null,
        LockingMode = p.Locking.Mode == LockingMode.NetworkDefault ? null : LockingModeNames.Of(p.Locking.Mode),
        Ipv4Allowed = p.Locking.Ipv4Allowed.Count == 0 ? null : p.Locking.Ipv4Allowed.Select(a => a.ToString()).ToList(),
        Ipv6Allowed = p.Locking.Ipv6Allowed.Count == 0 ? null : p.Locking.Ipv6Allowed.Select(a => a.ToString()).ToList(),
        MacLimit = p.MacLimit,
    };
}
