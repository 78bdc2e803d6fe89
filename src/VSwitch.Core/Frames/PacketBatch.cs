using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VSwitch.Core.Frames;

/// <summary>
/// A worker's receive batch: <see cref="Capacity"/> fixed slots of pinned native memory, allocated once.
/// Each slot holds one packet: a virtio-net header followed by the Ethernet frame, starting at
/// <see cref="Offset"/>. The first <see cref="Headroom"/> bytes of a slot are kept free so a VLAN tag can be
/// inserted by moving 22 bytes instead of the whole frame.
///
/// Ownership: the worker that owns the batch fills it (receive), hands it to the pipeline, and the
/// pipeline's transmits finish before the next receive reuses the slots; no packet outlives a batch.
/// </summary>
public sealed unsafe class PacketBatch : IDisposable
{
    public const int Headroom = 8;
    /// <summary>A 64 KiB GSO frame plus the virtio-net header, with slack for tags.</summary>
    public const int DefaultSlotSize = 65536 + VirtioNetHeader.Length + 64 + Headroom;

    private byte* _memory;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly byte[] _priorities;

    public PacketBatch(int capacity = 32, int slotSize = DefaultSlotSize)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        SlotSize = (slotSize + 63) & ~63;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)(Capacity * SlotSize), 64);
        _offsets = new int[capacity];
        _lengths = new int[capacity];
        _priorities = new byte[capacity];
    }

    public int Capacity { get; }
    public int SlotSize { get; }
    /// <summary>Packets filled by the last receive.</summary>
    public int Count { get; set; }

    /// <summary>Room for a packet (header + frame) when it starts at <see cref="Headroom"/>.</summary>
    public int PacketRoom => SlotSize - Headroom;

    /// <summary>Start of slot <paramref name="index"/>, headroom included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Slot(int index) => _memory + (long)index * SlotSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Data(int index) => Slot(index) + _offsets[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int index) => _offsets[index];

    /// <summary>Length of header + frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Length(int index) => _lengths[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index, int offset, int length)
    {
        _offsets[index] = offset;
        _lengths[index] = length;
        _priorities[index] = 0;
    }

    /// <summary>
    /// The priority (PCP and DEI: a TCI's top four bits, shifted down) of a priority tag the pipeline took off
    /// packet <paramref name="index"/>, or 0. It travels beside the frame, so a VLAN uplink's tag keeps it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Priority(int index) => _priorities[index];

    public void SetPriority(int index, byte pcpAndDei) => _priorities[index] = (byte)(pcpAndDei & 0xF);

    /// <summary>Room for a packet in slot <paramref name="index"/>, after the headroom: where a receive writes.</summary>
    public Span<byte> SlotSpan(int index) => new(Slot(index) + Headroom, PacketRoom);

    /// <summary>Header + frame of packet <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Packet(int index) => new(Data(index), _lengths[index]);

    /// <summary>The Ethernet frame of packet <paramref name="index"/>, after its virtio-net header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(int index) => new(Data(index) + VirtioNetHeader.Length, _lengths[index] - VirtioNetHeader.Length);

    /// <summary>Copies a packet in (tests and tools; the datapath receives in place).</summary>
    public void Add(ReadOnlySpan<byte> packet)
    {
        if (Count == Capacity) throw new InvalidOperationException("batch is full");
        if (packet.Length > PacketRoom) throw new ArgumentException("packet larger than a slot", nameof(packet));
        packet.CopyTo(new Span<byte>(Slot(Count) + Headroom, PacketRoom));
        Set(Count, Headroom, packet.Length);
        Count++;
    }

    /// <summary>Inserts a 4-byte VLAN tag after the MAC addresses, using the headroom; returns false if there is none left.</summary>
    public bool InsertTag(int index, ushort tpid, ushort tci)
    {
        int offset = _offsets[index];
        if (offset < VlanTag.Length) return false;
        byte* data = Slot(index) + offset;
        const int moved = VirtioNetHeader.Length + 2 * MacAddress.Length;
        Buffer.MemoryCopy(data, data - VlanTag.Length, moved, moved);
        byte* tag = data - VlanTag.Length + moved;
        tag[0] = (byte)(tpid >> 8); tag[1] = (byte)tpid;
        tag[2] = (byte)(tci >> 8); tag[3] = (byte)tci;
        _offsets[index] = offset - VlanTag.Length;
        _lengths[index] += VlanTag.Length;
        VirtioNetHeader.ShiftOffsets(new Span<byte>(data - VlanTag.Length, VirtioNetHeader.Length), VlanTag.Length);
        return true;
    }

    /// <summary>
    /// Removes the outer VLAN tag (the 4 bytes after the MAC addresses) by moving the virtio-net header and
    /// the addresses forward over it: 22 bytes moved, whatever the frame's size.
    /// </summary>
    public void RemoveTag(int index)
    {
        byte* data = Data(index);
        const int moved = VirtioNetHeader.Length + 2 * MacAddress.Length;
        Buffer.MemoryCopy(data, data + VlanTag.Length, moved, moved);
        _offsets[index] += VlanTag.Length;
        _lengths[index] -= VlanTag.Length;
        VirtioNetHeader.ShiftOffsets(new Span<byte>(data + VlanTag.Length, VirtioNetHeader.Length), -VlanTag.Length);
    }

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
        GC.SuppressFinalize(this);
    }

    ~PacketBatch() => Dispose();
}
