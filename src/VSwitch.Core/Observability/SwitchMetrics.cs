using System.Diagnostics.Metrics;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;

namespace VSwitch.Core.Observability;

/// <summary>
/// The switch's counters as a System.Diagnostics.Metrics meter named "VSwitch", which dotnet-counters
/// reads (dotnet-counters monitor -n vswitchd --counters VSwitch) and the Prometheus endpoint renders.
/// Instruments are observable: nothing is recorded on the datapath; a collection reads the per-worker
/// counters the datapath already keeps. Per port, tagged with bridge and port; bridge totals are sums.
/// </summary>
public sealed class SwitchMetrics : IDisposable
{
    public const string MeterName = "VSwitch";
    private static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(200);

    private readonly Func<List<PortStats>> _stats;
    private readonly ForwardingDatabase _fdb;
    private readonly Lock _cacheLock = new();
    private List<PortStats> _cached = [];
    private long? _cachedAt;

    public SwitchMetrics(Func<List<PortStats>> stats, ForwardingDatabase fdb)
    {
        _stats = stats;
        _fdb = fdb;
        Meter = new Meter(MeterName, "1.0");
        Port("vswitch.port.rx.packets", "{packet}", "frames received on the port", s => s.RxPackets);
        Port("vswitch.port.rx.bytes", "By", "frame bytes received on the port", s => s.RxBytes);
        Port("vswitch.port.rx.errors", "{packet}",
            "malformed frames received (too short, invalid source MAC, truncated)", s => s.RxErrors);
        Port("vswitch.port.rx.dropped", "{packet}", "frames received and dropped by policy", s => s.RxDropped);
        Port("vswitch.port.tx.packets", "{packet}", "frames sent out of the port", s => s.TxPackets);
        Port("vswitch.port.tx.bytes", "By", "frame bytes sent out of the port", s => s.TxBytes);
        Port("vswitch.port.tx.errors", "{packet}", "frames the kernel refused to send", s => s.TxErrors);
        Port("vswitch.port.tx.dropped", "{packet}", "frames dropped for lack of room or link", s => s.TxDropped);
        Port("vswitch.port.flooded", "{packet}", "frames from the port that were flooded", s => s.Flooded);
        Meter.CreateObservableCounter("vswitch.port.drops", () => Ports().SelectMany(s => s.DropsByReason.Select(r =>
            new Measurement<long>(r.Value, new("bridge", s.Bridge), new("port", s.Port), new("reason",
                r.Key)))), "{packet}", "drops by reason");
        Meter.CreateObservableGauge("vswitch.fdb.entries", () => (long)_fdb.Count, "{entry}",
            "learned MAC entries in the forwarding database");
        Meter.CreateObservableCounter("vswitch.fdb.moves", () => _fdb.Moves, "{event}",
            "MACs that moved to another port");
        Meter.CreateObservableCounter("vswitch.fdb.refused", () => _fdb.RefusedTableFull + _fdb.RefusedPortLimit,
            "{event}",
            "learns refused because the table or a port's share of it was full");
    }

    public Meter Meter { get; }

    private void Port(string name, string unit, string description, Func<PortStats, long> value) =>
        Meter.CreateObservableCounter(name, () => Ports().Select(s =>
            new Measurement<long>(value(s), new("bridge", s.Bridge), new("port", s.Port))), unit, description);

    /// <summary>One read of the counters serves every instrument of a collection.</summary>
    private List<PortStats> Ports()
    {
        lock (_cacheLock)
        {
            long now = Environment.TickCount64;
            if (_cachedAt is null || now - _cachedAt > CacheFor.TotalMilliseconds)
            {
                _cached = _stats().Where(s => s.Kind != "bridge").ToList();
                _cachedAt = now;
            }
            return _cached;
        }
    }

    public void Dispose() => Meter.Dispose();
}
