using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

public class ForwardingDatabaseTests
{
    private const ushort Bridge = 1;
    private static readonly long[] NeverAge = new long[8];

    [Fact]
    public void Learn_ThenLookup_FindsThePort()
    {
        var fdb = new ForwardingDatabase();
        Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(1), 3, 1000));
        Assert.Equal(3, fdb.Lookup(Bridge, TestFrames.Mac(1)));
        Assert.Equal(0, fdb.Lookup(Bridge, TestFrames.Mac(2)));
        Assert.Equal(0, fdb.Lookup(2, TestFrames.Mac(1)));
        Assert.Equal(1, fdb.Count);
    }

    [Fact]
    public void Learn_SamePortWithinASecond_WritesNothing()
    {
        var fdb = new ForwardingDatabase();
        fdb.Learn(Bridge, TestFrames.Mac(1), 3, 1000);
        Assert.Equal(LearnResult.Unchanged, fdb.Learn(Bridge, TestFrames.Mac(1), 3, 1999));
        Assert.Equal(LearnResult.Refreshed, fdb.Learn(Bridge, TestFrames.Mac(1), 3, 2001));
    }

    [Fact]
    public void Learn_OnAnotherPort_MovesAtOnce()
    {
        var fdb = new ForwardingDatabase();
        fdb.Learn(Bridge, TestFrames.Mac(1), 3, 1000);
        Assert.Equal(LearnResult.Moved, fdb.Learn(Bridge, TestFrames.Mac(1), 4, 1001));
        Assert.Equal(4, fdb.Lookup(Bridge, TestFrames.Mac(1)));
        Assert.Equal(0, fdb.EntriesOnPort(3));
        Assert.Equal(1, fdb.EntriesOnPort(4));
        Assert.Equal(1, fdb.Moves);
    }

    [Fact]
    public void Age_RemovesOnlyEntriesOlderThanTheirBridgesAgeingTime()
    {
        var fdb = new ForwardingDatabase();
        fdb.Learn(1, TestFrames.Mac(1), 3, 0);
        fdb.Learn(1, TestFrames.Mac(2), 3, 9_000);
        fdb.Learn(2, TestFrames.Mac(3), 4, 0);
        long[] ageing = [0, 5_000, 0]; // bridge 2 never ages

        Assert.Equal(1, fdb.Age(10_000, ageing));
        Assert.Equal(0, fdb.Lookup(1, TestFrames.Mac(1)));
        Assert.Equal(3, fdb.Lookup(1, TestFrames.Mac(2)));
        Assert.Equal(4, fdb.Lookup(2, TestFrames.Mac(3)));
        Assert.Equal(2, fdb.Count);
    }

    [Fact]
    public void StaticEntry_NeverAgesAndNeverMovesByLearning()
    {
        var fdb = new ForwardingDatabase();
        fdb.AddStatic(Bridge, TestFrames.Mac(1), 7, local: true);
        Assert.Equal(LearnResult.StaticConflict, fdb.Learn(Bridge, TestFrames.Mac(1), 3, 1000));
        fdb.Age(10_000_000, [0, 1]);
        Assert.Equal(7, fdb.Lookup(Bridge, TestFrames.Mac(1)));
        var entry = Assert.Single(fdb.Entries(0));
        Assert.True(entry.IsStatic);
        Assert.True(entry.IsLocal);
        Assert.Equal(0, fdb.Count); // static entries are not counted against the learning limit
    }

    [Fact]
    public void Flush_ByPort_RemovesThatPortsLearnedEntriesOnly()
    {
        var fdb = new ForwardingDatabase();
        fdb.Learn(Bridge, TestFrames.Mac(1), 3, 0);
        fdb.Learn(Bridge, TestFrames.Mac(2), 4, 0);
        fdb.AddStatic(Bridge, TestFrames.Mac(3), 3);
        Assert.Equal(1, fdb.Flush(port: 3));
        Assert.Equal(0, fdb.Lookup(Bridge, TestFrames.Mac(1)));
        Assert.Equal(4, fdb.Lookup(Bridge, TestFrames.Mac(2)));
        Assert.Equal(3, fdb.Lookup(Bridge, TestFrames.Mac(3)));
        Assert.Equal(1, fdb.Flush(port: 3, includeStatic: true));
    }

    [Fact]
    public void TableLimit_RefusesAndCounts_AndFreesRoomAfterAgeing()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 10, MaxEntriesPerPort: 100));
        for (int i = 0; i < 10; i++) Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(i + 1), 1, 0));
        Assert.Equal(LearnResult.RefusedTableFull, fdb.Learn(Bridge, TestFrames.Mac(100), 1, 0));
        Assert.Equal(1, fdb.RefusedTableFull);
        Assert.Equal(0, fdb.Lookup(Bridge, TestFrames.Mac(100)));

        fdb.Age(100_000, [0, 1]);
        Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(100), 1, 100_000));
    }

    [Fact]
    public void PortLimit_RefusesNewMacsOnThatPortOnly()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 100, MaxEntriesPerPort: 2));
        fdb.Learn(Bridge, TestFrames.Mac(1), 1, 0);
        fdb.Learn(Bridge, TestFrames.Mac(2), 1, 0);
        Assert.Equal(LearnResult.RefusedPortLimit, fdb.Learn(Bridge, TestFrames.Mac(3), 1, 0));
        Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(3), 2, 0));
        Assert.Equal(1, fdb.RefusedPortLimit);
    }

    [Fact]
    public void MoveToAFullPort_ForgetsTheMacRatherThanMisdirect()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 100, MaxEntriesPerPort: 1));
        fdb.Learn(Bridge, TestFrames.Mac(1), 1, 0);
        fdb.Learn(Bridge, TestFrames.Mac(2), 2, 0);
        Assert.Equal(LearnResult.RefusedPortLimit, fdb.Learn(Bridge, TestFrames.Mac(1), 2, 10));
        Assert.Equal(0, fdb.Lookup(Bridge, TestFrames.Mac(1)));
        Assert.Equal(1, fdb.Count);
    }

    [Fact]
    public void Churn_RebuildsWithoutDeadKeys_AndKeepsLiveAndStaticEntries()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 1000, MaxEntriesPerPort: 1000));
        fdb.AddStatic(Bridge, TestFrames.Mac(999_999), 9);
        long now = 0;
        // Far more distinct MACs than the table has slots: only a rebuild makes room for them.
        for (int round = 0; round < 40; round++)
        {
            for (int i = 0; i < 500; i++)
                Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(round * 1000 + i + 1), 1, now));
            now += 10_000;
            fdb.Age(now, [0, 5_000]);
        }
        fdb.Learn(Bridge, TestFrames.Mac(5), 2, now);
        Assert.Equal(2, fdb.Lookup(Bridge, TestFrames.Mac(5)));
        Assert.Equal(9, fdb.Lookup(Bridge, TestFrames.Mac(999_999)));
        Assert.Equal(1, fdb.Count);
    }

    [Fact]
    public void ConcurrentLearners_LoseNoEntry()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 100_000, MaxEntriesPerPort: 100_000));
        const int perThread = 10_000;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++)
                fdb.Learn(Bridge, TestFrames.Mac(t * perThread + i + 1), (ushort)(t + 1), 0);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(4 * perThread, fdb.Count);
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(perThread, fdb.EntriesOnPort((ushort)(t + 1)));
            for (int i = 0; i < perThread; i++)
                Assert.Equal(t + 1, fdb.Lookup(Bridge, TestFrames.Mac(t * perThread + i + 1)));
        }
    }

    [Fact]
    public void Stress_ConcurrentLearnLookupAgeAndFlush_KeepInvariants()
    {
        var fdb = new ForwardingDatabase(new FdbLimits(MaxEntries: 3_000, MaxEntriesPerPort: 1_500));
        const int macs = 5_000, ports = 8;
        var stop = DateTime.UtcNow.AddMilliseconds(1500);
        long clock = 0;
        int badLookups = 0;
        fdb.AddStatic(Bridge, TestFrames.Mac(macs + 1), 9);

        var learners = Enumerable.Range(0, 3).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < stop)
                fdb.Learn(Bridge, TestFrames.Mac(random.Next(1, macs + 1)), (ushort)random.Next(1, ports + 1),
                    Interlocked.Read(ref clock));
        })).ToList();
        var reader = new Thread(() =>
        {
            var random = new Random(99);
            while (DateTime.UtcNow < stop)
            {
                ushort port = fdb.Lookup(Bridge, TestFrames.Mac(random.Next(1, macs + 1)));
                if (port > ports) Interlocked.Increment(ref badLookups);
                if (fdb.Lookup(Bridge, TestFrames.Mac(macs + 1)) != 9) Interlocked.Increment(ref badLookups);
            }
        });
        var maintainer = new Thread(() =>
        {
            int round = 0;
            while (DateTime.UtcNow < stop)
            {
                long now = Interlocked.Add(ref clock, 7);
                fdb.Age(now, [0, 20]);
                if (++round % 10 == 0) fdb.Flush(port: (ushort)(round / 10 % ports + 1));
            }
        });
        var all = learners.Append(reader).Append(maintainer).ToList();
        all.ForEach(t => t.Start());
        all.ForEach(t => t.Join());

        fdb.Age(Interlocked.Read(ref clock), NeverAge); // one more pass (and maybe a rebuild) with nobody racing
        var entries = fdb.Entries(0);
        Assert.Equal(0, badLookups);
        Assert.Equal(entries.Count, entries.Select(e => (e.Domain, e.Mac)).Distinct().Count());
        var learned = entries.Where(e => !e.IsStatic).ToList();
        Assert.Equal(learned.Count, fdb.Count);
        Assert.True(fdb.Count <= fdb.Limits.MaxEntries, $"{fdb.Count} entries exceed the limit");
        for (ushort p = 1; p <= ports; p++)
            Assert.Equal(learned.Count(e => e.Port == p), fdb.EntriesOnPort(p));
        Assert.All(learned, e => Assert.InRange(e.Port, 1, ports));
        Assert.Equal(9, fdb.Lookup(Bridge, TestFrames.Mac(macs + 1)));
    }

    [Fact]
    public void APortAtItsOwnLimit_IsRefusedNewMacs_WithoutClaimingKeysForThem()
    {
        var fdb = new ForwardingDatabase();
        fdb.SetPortLimit(3, 4);
        for (int n = 1; n <= 10_000; n++) fdb.Learn(Bridge, TestFrames.Mac(n), 3, 0);

        Assert.Equal(4, fdb.EntriesOnPort(3));
        Assert.Equal(4, fdb.ClaimedKeys);
        Assert.Equal(9_996, fdb.RefusedPortLimit);
        Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(20_000), 4, 0)); // other ports learn on

        fdb.SetPortLimit(3, 0); // back to the FDB's per-port default
        Assert.Equal(LearnResult.Learned, fdb.Learn(Bridge, TestFrames.Mac(10_001), 3, 0));
    }
}
