using System.Runtime.CompilerServices;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Fdb;

/// <summary>
/// The forwarding database shared by all bridges and all worker threads: (domain, MAC) → (port, last seen).
/// A domain is one forwarding domain (a bridge; a VLAN network is a bridge of its own).
///
/// Concurrency: workers call <see cref="Lookup"/> and <see cref="Learn"/> without locks; Learn writes
/// only when the port changes or the entry is more than <see cref="RefreshMilliseconds"/> old, so the
/// cache lines of busy entries stay shared between cores. Aging, flushing, static entries and
/// rebuilds run on the control thread, serialised by <see cref="_maintenance"/>; they also use CAS, so
/// a worker and the control thread never lose each other's writes to a live slot. A rebuild makes a
/// new table and publishes it; a learn that lands in the old table during the copy is lost, which only
/// costs a flood until the next frame from that MAC.
/// </summary>
public sealed class ForwardingDatabase
{
    public const long RefreshMilliseconds = 1000;
    public const int MaxPorts = ushort.MaxValue + 1;

    private readonly Lock _maintenance = new();
    // Per-port learned-MAC limits set by the control plane (0: Limits.MaxEntriesPerPort); read only when a MAC
    // is new to a port.
    private readonly int[] _portLimits = new int[MaxPorts];
    private FdbTable _table;
    private long _refusedTableFull;
    private long _refusedPortLimit;
    private long _moves;

    public ForwardingDatabase(FdbLimits? limits = null)
    {
        Limits = limits ?? FdbLimits.Default;
        if (Limits.MaxEntries < 1 || Limits.MaxEntriesPerPort < 1)
            throw new ArgumentException("FDB limits must be at least 1", nameof(limits));
        _table = new FdbTable(SlotsFor(Limits.MaxEntries));
    }

    public FdbLimits Limits { get; }

    /// <summary>Learned (dynamic) entries now in the table.</summary>
    public int Count => Volatile.Read(ref _table).Learned;
    public long RefusedTableFull => Interlocked.Read(ref _refusedTableFull);
    public long RefusedPortLimit => Interlocked.Read(ref _refusedPortLimit);
    public long Moves => Interlocked.Read(ref _moves);
    public int EntriesOnPort(ushort port) => Volatile.Read(ref _table).LearnedOnPort(port);
    /// <summary>Keys the table has claimed, live or dead (tests: a refused MAC claims none).</summary>
    internal int ClaimedKeys => Volatile.Read(ref _table).UsedKeys;

    /// <summary>
    /// Sets the most MACs learned on <paramref name="port"/>; 0 restores <see cref="FdbLimits.MaxEntriesPerPort"/>.
    /// Entries already learned beyond a lowered limit stay until they age out or are flushed, as with the
    /// kernel bridge's fdb_max_learned; new ones wait for room.
    /// </summary>
    public void SetPortLimit(ushort port, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Volatile.Write(ref _portLimits[port], limit);
    }

    public int LimitOf(ushort port) => Volatile.Read(ref _portLimits[port]) is var limit and > 0 ? limit
        : Limits.MaxEntriesPerPort;

    // Room for the limit at a load factor of 1/2, and for the dead keys that pile up between rebuilds.
    private static int SlotsFor(int maxEntries) => checked(maxEntries * 2 + 1024);

    /// <summary>The port a MAC was learned on in <paramref name="domain"/>, or 0 when unknown.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort Lookup(ushort domain, MacAddress mac)
    {
        var table = Volatile.Read(ref _table);
        int slot = table.Find(FdbSlot.PackKey(domain, mac.Value));
        return slot < 0 ? (ushort)0 : FdbSlot.Port(Volatile.Read(ref table[slot].Value));
    }

    /// <summary>Records that <paramref name="mac"/> was seen as a source on <paramref name="port"/>.</summary>
    public LearnResult Learn(ushort domain, MacAddress mac, ushort port, long nowMs)
    {
        var table = Volatile.Read(ref _table);
        ulong key = FdbSlot.PackKey(domain, mac.Value);

        // Fast path: known, same port, refreshed recently. No write at all.
        int slot = table.Find(key);
        if (slot >= 0)
        {
            ulong current = Volatile.Read(ref table[slot].Value);
            if (current != 0 && FdbSlot.Port(current) == port
                && nowMs - FdbSlot.LastSeen(current) < RefreshMilliseconds)
                return LearnResult.Unchanged;
        }
        else
        {
            // Checked before claiming a key, so a full table or a port at its limit (a guest spraying
            // source MACs) does not also fill the table with dead keys; the binding check is the
            // reservation below.
            if (table.Learned >= Limits.MaxEntries) return RefuseFull();
            if (table.LearnedOnPort(port) >= LimitOf(port)) return RefusePort();
            slot = table.FindOrClaim(key);
            if (slot < 0) return RefuseFull();
        }

        ulong updated = FdbSlot.PackValue(nowMs, 0, port);
        while (true)
        {
            ulong current = Volatile.Read(ref table[slot].Value);
            if (current != 0 && FdbSlot.IsStatic(current))
                return FdbSlot.Port(current) == port ? LearnResult.Unchanged : LearnResult.StaticConflict;

            if (current == 0)
            {
                var reserved = table.Reserve(port, Limits.MaxEntries, LimitOf(port), countTableWide: true);
                if (reserved != LearnResult.Learned) return Refuse(reserved);
                if (Interlocked.CompareExchange(ref table[slot].Value, updated, 0) == 0) return LearnResult.Learned;
                table.Release(port, countTableWide: true);
                continue;
            }

            ushort oldPort = FdbSlot.Port(current);
            if (oldPort == port)
            {
                // A lost race here means another worker refreshed the same entry: good enough.
                Interlocked.CompareExchange(ref table[slot].Value, updated, current);
                return LearnResult.Refreshed;
            }

            // A move. Policy: if the new port is at its limit, forget the MAC rather than leave it
            // pointing at the old port; flooding is safe, misdirecting is not.
            var room = table.Reserve(port, Limits.MaxEntries, LimitOf(port), countTableWide: false);
            bool fits = room == LearnResult.Learned;
            if (Interlocked.CompareExchange(ref table[slot].Value, fits ? updated : 0, current) != current)
            {
                if (fits) table.Release(port, countTableWide: false);
                continue;
            }
            table.Release(oldPort, countTableWide: !fits);
            if (!fits) return Refuse(room);
            Interlocked.Increment(ref _moves);
            return LearnResult.Moved;
        }
    }

    private LearnResult Refuse(LearnResult reason) => reason == LearnResult.RefusedTableFull ? RefuseFull()
        : RefusePort();

    private LearnResult RefuseFull()
    {
        Interlocked.Increment(ref _refusedTableFull);
        return LearnResult.RefusedTableFull;
    }

    private LearnResult RefusePort()
    {
        Interlocked.Increment(ref _refusedPortLimit);
        return LearnResult.RefusedPortLimit;
    }

    /// <summary>Adds or replaces a static entry; static entries never age and never move by learning.</summary>
    public void AddStatic(ushort domain, MacAddress mac, ushort port, bool local = false)
    {
        if (port == 0) throw new ArgumentOutOfRangeException(nameof(port), "port 0 is reserved");
        lock (_maintenance)
        {
            var table = Volatile.Read(ref _table);
            int slot = table.FindOrClaim(FdbSlot.PackKey(domain, mac.Value));
            if (slot < 0)
            {
                Rebuild();
                table = Volatile.Read(ref _table);
                slot = table.FindOrClaim(FdbSlot.PackKey(domain, mac.Value));
                if (slot < 0) throw new InvalidOperationException("FDB has no room for a static entry");
            }
            byte flags = (byte)(FdbSlot.FlagStatic | (local ? FdbSlot.FlagLocal : 0));
            ulong previous = Interlocked.Exchange(ref table[slot].Value, FdbSlot.PackValue(0, flags, port));
            Forget(table, previous);
        }
    }

    /// <summary>Removes one entry, static or learned. Returns whether there was one.</summary>
    public bool Remove(ushort domain, MacAddress mac)
    {
        lock (_maintenance)
        {
            var table = Volatile.Read(ref _table);
            int slot = table.Find(FdbSlot.PackKey(domain, mac.Value));
            if (slot < 0) return false;
            ulong previous = Interlocked.Exchange(ref table[slot].Value, 0);
            Forget(table, previous);
            return previous != 0;
        }
    }

    /// <summary>Removes the entries that match; used for port removal, link loss and `fdb flush`.</summary>
    public int Flush(ushort? domain = null, ushort? port = null, bool includeStatic = false)
    {
        lock (_maintenance)
        {
            return Sweep(new FlushRule(domain, port, includeStatic));
        }
    }

    /// <summary>
    /// Removes learned entries not seen for longer than their domain's ageing time. Runs off the hot path,
    /// about once a second. <paramref name="ageingMsByDomain"/> is indexed by domain; 0 means "never age".
    /// </summary>
    public int Age(long nowMs, ReadOnlySpan<long> ageingMsByDomain)
    {
        lock (_maintenance)
        {
            int removed = Sweep(new AgeingRule(nowMs, ageingMsByDomain));
            var table = Volatile.Read(ref _table);
            if (table.UsedKeys - table.Learned > table.Capacity / 4) Rebuild();
            return removed;
        }
    }

    /// <summary>All live entries, optionally of one domain; for showmacs and tests.</summary>
    public List<FdbEntry> Entries(long nowMs, ushort? domain = null)
    {
        var table = Volatile.Read(ref _table);
        var list = new List<FdbEntry>();
        for (int i = 0; i < table.Capacity; i++)
        {
            ulong key = Volatile.Read(ref table[i].Key);
            ulong value = Volatile.Read(ref table[i].Value);
            if (key == 0 || value == 0) continue;
            ushort d = FdbSlot.Domain(key);
            if (domain is not null && d != domain) continue;
            bool isStatic = FdbSlot.IsStatic(value);
            list.Add(new FdbEntry(d, new MacAddress(FdbSlot.Mac(key)), FdbSlot.Port(value), isStatic,
                (FdbSlot.Flags(value) & FdbSlot.FlagLocal) != 0, isStatic ? 0 : Math.Max(0,
                    nowMs - FdbSlot.LastSeen(value))));
        }
        return list;
    }

    /// <summary>Clears every entry <paramref name="rule"/> picks (rules: SweepRules.cs).</summary>
    private int Sweep<TRule>(TRule rule) where TRule : ISweepRule, allows ref struct
    {
        var table = Volatile.Read(ref _table);
        int removed = 0;
        for (int i = 0; i < table.Capacity; i++)
        {
            ulong key = Volatile.Read(ref table[i].Key);
            if (key == 0) continue;
            ulong value = Volatile.Read(ref table[i].Value);
            if (value == 0 || !rule.Remove(key, value)) continue;
            // If a worker refreshed the entry meanwhile, it is alive: leave it.
            if (Interlocked.CompareExchange(ref table[i].Value, 0, value) != value) continue;
            Forget(table, value);
            removed++;
        }
        return removed;
    }

    private static void Forget(FdbTable table, ulong value)
    {
        if (value == 0 || FdbSlot.IsStatic(value)) return;
        table.Release(FdbSlot.Port(value), countTableWide: true);
    }

    /// <summary>Rebuilds the table without dead keys. Caller holds <see cref="_maintenance"/>.</summary>
    private void Rebuild()
    {
        var old = Volatile.Read(ref _table);
        var fresh = new FdbTable(SlotsFor(Limits.MaxEntries));
        for (int i = 0; i < old.Capacity; i++)
        {
            ulong key = Volatile.Read(ref old[i].Key);
            ulong value = Volatile.Read(ref old[i].Value);
            if (key == 0 || value == 0) continue;
            int slot = fresh.FindOrClaim(key);
            if (slot < 0) continue;
            fresh[slot].Value = value;
            if (!FdbSlot.IsStatic(value)) fresh.CountCopied(FdbSlot.Port(value));
        }
        // Publish: workers pick up the new table on their next lookup (release semantics).
        Volatile.Write(ref _table, fresh);
    }
}
