using System.Runtime.CompilerServices;

namespace VSwitch.Core.Switching;

/// <summary>
/// One worker's counters for every port, indexed by port index. Only the owning worker writes
/// (plain adds, no atomics: a counter is one aligned 64-bit word, so readers see whole values);
/// the control thread sums all workers' sets. The array grows when the port index space grows,
/// which only happens on a configuration change.
/// </summary>
public sealed class PortCounters
{
    public const int RxPackets = 0;
    public const int RxBytes = 1;
    public const int TxPackets = 2;
    public const int TxBytes = 3;
    public const int FloodedFrames = 4;
    /// <summary>Source MACs the FDB would not learn because the port was at its learned-MAC limit. The frames
    /// still go; they flood back to the port until its entries age out.</summary>
    public const int LearningRefused = 5;
    public const int FirstDrop = 6;
    public static readonly int DropReasons = Enum.GetValues<DropReason>().Length;
    public static readonly int Fields = FirstDrop + DropReasons;

    private long[] _values;

    public PortCounters(int ports = 64) => _values = new long[Math.Max(ports, 1) * Fields];

    public int PortCapacity => Volatile.Read(ref _values).Length / Fields;

    /// <summary>Makes room for port indexes below <paramref name="ports"/>; called by the owning worker between
    /// batches.</summary>
    public void EnsureCapacity(int ports)
    {
        var values = _values;
        if (ports * Fields <= values.Length) return;
        var grown = new long[Math.Max(ports, values.Length / Fields * 2) * Fields];
        values.CopyTo(grown, 0);
        Volatile.Write(ref _values, grown);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int port, int field, long amount) => _values[port * Fields + field] += amount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(int port, DropReason reason, long count = 1) => _values[port * Fields + FirstDrop
        + (int)reason] += count;

    /// <summary>A value as seen from another thread.</summary>
    public long Read(int port, int field)
    {
        var values = Volatile.Read(ref _values);
        int at = port * Fields + field;
        return at < values.Length ? Volatile.Read(ref values[at]) : 0;
    }
}
