using BenchmarkDotNet.Attributes;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Benchmarks;

/// <summary>FDB lookup and learn (refresh) at 1, 1k and 1M entries, single-threaded; 1024 operations per
/// invocation.</summary>
[MemoryDiagnoser]
public class FdbBenchmarks
{
    private const int Operations = 1024;
    private ForwardingDatabase _fdb = null!;
    private MacAddress[] _macs = null!;
    private int _cursor;

    [Params(1, 1_000, 1_000_000)]
    public int Entries;

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
    }

    // Walk the whole table with a large prime stride, so 1M entries are not measured out of a warm cache.
    private int Next()
    {
        _cursor += 7919;
        if (_cursor >= _macs.Length) _cursor %= _macs.Length;
        return _cursor;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Lookup()
    {
        int found = 0;
        for (int i = 0; i < Operations; i++) found += _fdb.Lookup(1, _macs[Next()]);
        return found;
    }

    /// <summary>A learn of a known MAC on its own port: the common case, which must not write.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int LearnKnown()
    {
        int changed = 0;
        for (int i = 0; i < Operations; i++)
        {
            int at = Next();
            changed += (int)_fdb.Learn(1, _macs[at], (ushort)(at % 64 + 1), 500);
        }
        return changed;
    }
}
