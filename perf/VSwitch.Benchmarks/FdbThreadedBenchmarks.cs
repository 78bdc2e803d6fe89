using BenchmarkDotNet.Attributes;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Benchmarks;

/// <summary>
/// FDB lookup and learn from 1 and N threads at once (N = the cores), as the datapath's workers use it:
/// no lock, so reads should scale with threads. The helper threads live for the whole run and meet the
/// benchmark thread at a barrier, so an invocation allocates nothing. Reported per operation.
/// </summary>
[MemoryDiagnoser]
public class FdbThreadedBenchmarks
{
    private const int OperationsPerThread = 16_384;
    private ForwardingDatabase _fdb = null!;
    private MacAddress[] _macs = null!;
    private Barrier _barrier = null!;
    private Thread[] _helpers = [];
    private volatile bool _stopping;
    private volatile int _mode; // 0 lookup, 1 learn
    private long _sink;

    [Params(1, 1_000, 1_000_000)]
    public int Entries;

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads;

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount]
        : [1];

    [GlobalSetup]
    public void Setup()
    {
        _fdb = new ForwardingDatabase(new FdbLimits(Math.Max(Entries, 1024), Math.Max(Entries, 1024)));
        _macs = new MacAddress[Entries];
        for (int i = 0; i < Entries; i++)
        {
            _macs[i] = new MacAddress(0x0200_0000_0000UL | (ulong)(i * 2654435761L & 0xFFFF_FFFF));
            _fdb.Learn(1, _macs[i], (ushort)(i % 64 + 1), 0);
        }
        _barrier = new Barrier(Threads);
        _helpers = Enumerable.Range(1, Threads - 1).Select(t => new Thread(()
            => Helper(t)) { IsBackground = true }).ToArray();
        foreach (var helper in _helpers) helper.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var helper in _helpers) helper.Join();
    }

    private void Helper(int thread)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping) return;
            Interlocked.Add(ref _sink, Work(thread));
            _barrier.SignalAndWait();
        }
    }

    // Each thread walks the table from its own start with a large prime stride (cache misses at 1M).
    private long Work(int thread)
    {
        long result = 0;
        int cursor = thread * 104_729 % _macs.Length;
        bool learn = _mode == 1;
        for (int i = 0; i < OperationsPerThread; i++)
        {
            cursor += 7919;
            if (cursor >= _macs.Length) cursor %= _macs.Length;
            result += learn ? (long)_fdb.Learn(1, _macs[cursor], (ushort)(cursor % 64 + 1), 500) : _fdb.Lookup(1,
                _macs[cursor]);
        }
        return result;
    }

    private long RunAll(int mode)
    {
        _mode = mode;
        if (Threads > 1) _barrier.SignalAndWait();
        long result = Work(0);
        if (Threads > 1) _barrier.SignalAndWait();
        return result;
    }

    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public long Lookup() => RunAll(0);

    /// <summary>Learn of a known MAC on its own port, from every thread: must not write, so no cache line
    /// bounces.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public long LearnKnown() => RunAll(1);
}
