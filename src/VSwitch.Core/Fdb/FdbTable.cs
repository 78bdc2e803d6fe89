using System.Numerics;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Fdb;

/// <summary>
/// The slot array behind <see cref="ForwardingDatabase"/>: linear probing, power-of-two size.
/// Readers use plain loads; writers claim keys and replace values with compare-and-swap.
/// </summary>
internal sealed class FdbTable
{
    /// <summary>Longest probe sequence tried before a key counts as "no room"; keeps worst-case lookups
    /// short.</summary>
    public const int MaxProbe = 64;

    private readonly FdbSlot[] _slots;
    // Learned-entry counts of this table. They live with the table so that a rebuild, which
    // replaces the table, replaces them too: a learn that lands in the old table after the copy is
    // lost together with its count.
    private readonly int[] _perPort = new int[ForwardingDatabase.MaxPorts];
    private int _learned;
    private readonly int _mask;
    private readonly int _shift;
    private int _usedKeys;

    public FdbTable(int minimumSlots)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(minimumSlots, 64));
        _slots = new FdbSlot[size];
        _mask = size - 1;
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    public int Capacity => _slots.Length;

    /// <summary>Keys ever claimed in this table, live or dead; a rebuild is due when this gets high.</summary>
    public int UsedKeys => Volatile.Read(ref _usedKeys);

    public ref FdbSlot this[int index] => ref _slots[index];

    public int Learned => Volatile.Read(ref _learned);
    public int LearnedOnPort(ushort port) => Volatile.Read(ref _perPort[port]);

    /// <summary>
    /// Reserves room for one learned entry on <paramref name="port"/> before it is written, so the limits
    /// hold even while several workers learn at once. Undo with <see cref="Release"/> if the write loses.
    /// </summary>
    public LearnResult Reserve(ushort port, int maxEntries, int portLimit, bool countTableWide)
    {
        if (countTableWide && Interlocked.Increment(ref _learned) > maxEntries)
        {
            Interlocked.Decrement(ref _learned);
            return LearnResult.RefusedTableFull;
        }
        if (Interlocked.Increment(ref _perPort[port]) > portLimit)
        {
            Interlocked.Decrement(ref _perPort[port]);
            if (countTableWide) Interlocked.Decrement(ref _learned);
            return LearnResult.RefusedPortLimit;
        }
        return LearnResult.Learned;
    }

    public void Release(ushort port, bool countTableWide)
    {
        Interlocked.Decrement(ref _perPort[port]);
        if (countTableWide) Interlocked.Decrement(ref _learned);
    }

    /// <summary>Sets the counts of a table being filled by a rebuild, before it is published.</summary>
    public void CountCopied(ushort port)
    {
        _perPort[port]++;
        _learned++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong key) => (int)((key * 0x9E37_79B9_7F4A_7C15UL) >> _shift);

    /// <summary>The slot holding <paramref name="key"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong key)
    {
        int i = Home(key);
        for (int probe = 0; probe < MaxProbe; probe++)
        {
            // Plain load is enough: a key, once written, never changes in this table.
            ulong k = Volatile.Read(ref _slots[i].Key);
            if (k == key) return i;
            if (k == 0) return -1;
            i = (i + 1) & _mask;
        }
        return -1;
    }

    /// <summary>The slot holding <paramref name="key"/>, claiming the first empty one if absent; -1 when the probe
    /// limit is hit.</summary>
    public int FindOrClaim(ulong key)
    {
        int i = Home(key);
        for (int probe = 0; probe < MaxProbe; probe++)
        {
            ulong k = Volatile.Read(ref _slots[i].Key);
            if (k == key) return i;
            if (k == 0)
            {
                ulong previous = Interlocked.CompareExchange(ref _slots[i].Key, key, 0);
                if (previous == 0)
                {
                    Interlocked.Increment(ref _usedKeys);
                    return i;
                }
                // Lost the race for this slot: if the winner inserted the same key, it is ours too.
                if (previous == key) return i;
            }
            i = (i + 1) & _mask;
        }
        return -1;
    }
}
