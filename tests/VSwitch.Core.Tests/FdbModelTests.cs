using CsCheck;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

/// <summary>
/// The FDB against a plain dictionary that says what it should hold: random sequences of learns, moves,
/// ageing, flushes, static entries, removals and per-port limits, checked after every step, while reader
/// threads look up the same table all along (as workers do) and must only ever see a port or nothing.
/// CsCheck shrinks a failing sequence to the shortest one.
/// </summary>
public class FdbModelTests
{
    private const int Domains = 2;
    private const int Macs = 24;
    private const int Ports = 5;
    private const int MaxEntries = 20;
    private const int PerPort = 8;
    private const long AgeingMs = 3_000;

    /// <summary>The table the reader threads look at (the one the sample on this thread is working on).</summary>
    private static ForwardingDatabase? s_current;

    [Fact]
    public void TheFdb_HoldsWhatADictionaryModelSays_WhileReadersLookUp()
    {
        bool stop = false;
        long torn = 0, reads = 0;
        Volatile.Write(ref s_current, new ForwardingDatabase());
        using var started = new CountdownEvent(2);
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            var random = new Random();
            started.Signal();
            while (!Volatile.Read(ref stop))
            {
                var fdb = Volatile.Read(ref s_current)!;
                ushort port = fdb.Lookup((ushort)random.Next(1, Domains + 1), Mac(random.Next(Macs)));
                if (port > Ports) Interlocked.Increment(ref torn);
                Interlocked.Increment(ref reads);
            }
        }) { IsBackground = true }).ToArray();
        foreach (var reader in readers) reader.Start();
        started.Wait();

        var key = Gen.Select(Gen.Int[1, Domains], Gen.Int[0, Macs - 1]);
        Gen.Const(() => (new Actual(), new Model())).SampleModelBased(
        [
            Gen.Select(key, Gen.Int[1, Ports]).Operation<Actual, Model>(
                k => $"learn {k.Item1.Item1}/{k.Item1.Item2} on {k.Item2}",
                (a, k) => a.Fdb.Learn((ushort)k.Item1.Item1, Mac(k.Item1.Item2), (ushort)k.Item2, a.Now),
                (m, k) => m.Learn(k.Item1.Item1, k.Item1.Item2, k.Item2)),
            Gen.Int[1, 2_500].Operation<Actual, Model>(ms => $"wait {ms} ms",
                (a, ms) => a.Now += ms, (m, ms) => m.Now += ms),
            Gen.Const(0).Operation<Actual, Model>(_ => "age",
                (a, _) => a.Fdb.Age(a.Now, [0, AgeingMs, AgeingMs]), (m, _) => m.Age()),
            Gen.Select(Gen.Int[0, Domains], Gen.Int[0, Ports], Gen.Bool).Operation<Actual, Model>(
                f => $"flush domain {f.Item1} port {f.Item2}{(f.Item3 ? " with static" : "")}",
                (a, f) => a.Fdb.Flush(f.Item1 == 0 ? null : (ushort)f.Item1, f.Item2 == 0 ? null : (ushort)f.Item2,
                    f.Item3),
                (m, f) => m.Flush(f.Item1, f.Item2, f.Item3)),
            Gen.Select(key, Gen.Int[1, Ports]).Operation<Actual, Model>(
                k => $"static {k.Item1.Item1}/{k.Item1.Item2} on {k.Item2}",
                (a, k) => a.Fdb.AddStatic((ushort)k.Item1.Item1, Mac(k.Item1.Item2), (ushort)k.Item2),
                (m, k) => m.AddStatic(k.Item1.Item1, k.Item1.Item2, k.Item2)),
            key.Operation<Actual, Model>(k => $"remove {k.Item1}/{k.Item2}",
                (a, k) => a.Fdb.Remove((ushort)k.Item1, Mac(k.Item2)), (m, k) => m.Remove(k.Item1, k.Item2)),
            Gen.Select(Gen.Int[1, Ports], Gen.Int[0, PerPort]).Operation<Actual, Model>(
                l => $"limit port {l.Item1} to {l.Item2}",
                (a, l) => a.Fdb.SetPortLimit((ushort)l.Item1, l.Item2), (m, l) => m.Limits[l.Item1] = l.Item2),
        ], equal: Same, iter: 2_000, threads: 1);

        Volatile.Write(ref stop, true);
        foreach (var reader in readers) reader.Join();
        Assert.Equal(0, torn);
        Assert.True(reads > 0);
    }

    private static MacAddress Mac(int n) => TestFrames.Mac(0x100 + n);

    private static bool Same(Actual actual, Model model)
    {
        for (int d = 1; d <= Domains; d++)
            for (int n = 0; n < Macs; n++)
                if (actual.Fdb.Lookup((ushort)d, Mac(n)) != model.PortOf(d, n)) return false;
        for (int p = 1; p <= Ports; p++)
            if (actual.Fdb.EntriesOnPort((ushort)p) != model.LearnedOn(p)) return false;
        return actual.Fdb.Count == model.Learned;
    }

    private sealed class Actual
    {
        public Actual()
        {
            Fdb = new ForwardingDatabase(new FdbLimits(MaxEntries, PerPort));
            Volatile.Write(ref s_current, Fdb);
        }

        public ForwardingDatabase Fdb { get; }
        public long Now { get; set; } = 1;
        public override string ToString() => string.Join(", ", Fdb.Entries(Now).Select(e =>
            $"{e.Domain}/{e.Mac}→{e.Port}{(e.IsStatic ? " static" : "")}"));
    }

    /// <summary>What the FDB should hold, written as plainly as possible.</summary>
    private sealed class Model
    {
        private readonly Dictionary<(int Domain, int Mac), (int Port, long Seen, bool Static)> _entries = [];
        public long Now { get; set; } = 1;
        public int[] Limits { get; } = new int[Ports + 1];

        public int PortOf(int domain, int mac) => _entries.TryGetValue((domain, mac), out var e) ? e.Port : 0;
        public int LearnedOn(int port) => _entries.Values.Count(e => !e.Static && e.Port == port);
        public int Learned => _entries.Values.Count(e => !e.Static);
        private int LimitOf(int port) => Limits[port] > 0 ? Limits[port] : PerPort;

        public void Learn(int domain, int mac, int port)
        {
            if (_entries.TryGetValue((domain, mac), out var e))
            {
                if (e.Static) return; // never moves by learning
                if (e.Port == port)
                {
                    // Refreshed at most once a second, so busy entries are not rewritten per frame.
                    if (Now - e.Seen >= ForwardingDatabase.RefreshMilliseconds) _entries[(domain, mac)] = (port, Now, false);
                    return;
                }
                // A move to a port at its limit forgets the MAC: flooding is safe, misdirecting is not.
                if (LearnedOn(port) >= LimitOf(port)) _entries.Remove((domain, mac));
                else _entries[(domain, mac)] = (port, Now, false);
                return;
            }
            if (Learned >= MaxEntries || LearnedOn(port) >= LimitOf(port)) return;
            _entries[(domain, mac)] = (port, Now, false);
        }

        public void Age()
        {
            foreach (var (k, e) in _entries.ToList())
                if (!e.Static && Now - e.Seen > AgeingMs) _entries.Remove(k);
        }

        public void Flush(int domain, int port, bool withStatic)
        {
            foreach (var (k, e) in _entries.ToList())
                if ((domain == 0 || k.Domain == domain) && (port == 0 || e.Port == port) && (withStatic || !e.Static))
                    _entries.Remove(k);
        }

        public void AddStatic(int domain, int mac, int port) => _entries[(domain, mac)] = (port, 0, true);
        public void Remove(int domain, int mac) => _entries.Remove((domain, mac));

        public override string ToString() => string.Join(", ", _entries.OrderBy(e => e.Key).Select(e =>
            $"{e.Key.Domain}/{e.Key.Mac}→{e.Value.Port}{(e.Value.Static ? " static" : "")}"));
    }
}
