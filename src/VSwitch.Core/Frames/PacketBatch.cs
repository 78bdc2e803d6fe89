using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VSwitch.Core.Frames;

/// <summary>
/// A worker's receive batch: <see cref="Capacity"/> fixed slots of pinned native memory, allocated once.
/// Each slot holds one packet: an Ethernet frame starting at <see cref="Offset"/>, and beside it (not in
/// the slot) its <see cref="PacketOffload"/> record and its priority. The first <see cref="Headroom"/> bytes
/// of a slot are kept free: a port receives and sends a frame with a header in front of it, and a VLAN tag
/// is inserted by moving the MAC addresses into that room instead of the whole frame.
///
/// Ownership: the worker that owns the batch fills it (receive), hands it to the pipeline, and the
/// pipeline's transmits finish before the next receive reuses the slots; no packet outlives a batch.
/// </summary>
public sealed unsafe class PacketBatch : IDisposable
{
    /// <summary>The room a port needs in front of a frame for the header it sends the frame with (virtio-net's 10
    /// bytes).</summary>
    public const int PortHeaderRoom = 10;
    /// <summary>Room in front of a frame as it arrives: a port's header, and 8 bytes for tags to be inserted.</summary>
    public const int Headroom = PortHeaderRoom + 8;
    /// <summary>A 64 KiB GSO frame and a port's header, with slack for tags.</summary>
    public const int DefaultSlotSize = 65536 + 64 + Headroom;

    private byte* _memory;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly PacketOffload[] _offloads;
    private readonly byte[] _priorities;

    public PacketBatch(int capacity = 32, int slotSize = DefaultSlotSize)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        SlotSize = (slotSize + 63) & ~63;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)(Capacity * SlotSize), 64);
        _offsets = new int[capacity];
        _lengths = new int[capacity];
        _offloads = new PacketOffload[capacity];
        _priorities = new byte[capacity];
    }

    public int Capacity { get; }
    public int SlotSize { get; }
    /// <summary>Packets filled by the last receive.</summary>
    public int Count { get; set; }

    /// <summary>The largest frame a slot holds.</summary>
    public int FrameRoom => SlotSize - Headroom;

    /// <summary>Start of slot <paramref name="index"/>, headroom included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Slot(int index) => _memory + (long)index * SlotSize;

    /// <summary>Where frame <paramref name="index"/> starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Data(int index) => Slot(index) + _offsets[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int index) => _offsets[index];

    /// <summary>Length of frame <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Length(int index) => _lengths[index];

    /// <summary>Frame <paramref name="index"/> is at <paramref name="offset"/> of its slot; its offload record and
    /// priority start empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index, int offset, int length)
    {
        _offsets[index] = offset;
        _lengths[index] = length;
        _offloads[index] = default;
        _priorities[index] = 0;
    }

    /// <summary>
    /// Where a port receives into slot <paramref name="index"/>: the frame's place, with <paramref name="prefix"/>
    /// bytes in front of it for a header the port receives with it.
    /// </summary>
    public Span<byte> ReceiveArea(int index, int prefix) => new(Slot(index) + Headroom - prefix, FrameRoom + prefix);

    /// <summary>What is left for the way out to finish of frame <paramref name="index"/> (checksum,
    /// segmentation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref PacketOffload Offload(int index) => ref _offloads[index];

    /// <summary>
    /// The priority (PCP and DEI: a TCI's top four bits, shifted down) of a priority tag the pipeline took off
    /// packet <paramref name="index"/>, or 0. It travels beside the frame, so a VLAN uplink's tag keeps it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Priority(int index) => _priorities[index];

    public void SetPriority(int index, byte pcpAndDei) => _priorities[index] = (byte)(pcpAndDei & 0xF);

    /// <summary>The Ethernet frame of packet <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(int index) => new(Data(index), _lengths[index]);

    /// <summary>Copies a frame in (tests, tools and the control plane's own frames; the datapath receives in
    /// place).</summary>
    public void Add(ReadOnlySpan<byte> frame, PacketOffload offload = default)
    {
        if (Count == Capacity) throw new InvalidOperationException("batch is full");
        if (frame.Length > FrameRoom) throw new ArgumentException("frame larger than a slot", nameof(frame));
        frame.CopyTo(new Span<byte>(Slot(Count) + Headroom, FrameRoom));
        Set(Count, Headroom, frame.Length);
        _offloads[Count] = offload;
        Count++;
    }

    /// <summary>Inserts a 4-byte VLAN tag after the MAC addresses, moving them into the headroom; false if there is
    /// none left.</summary>
    public bool InsertTag(int index, ushort tpid, ushort tci)
    {
        int offset = _offsets[index];
        if (offset - VlanTag.Length < PortHeaderRoom) return false;
        byte* data = Slot(index) + offset;
        const int moved = 2 * MacAddress.Length;
        Buffer.MemoryCopy(data, data - VlanTag.Length, moved, moved);
        byte* tag = data - VlanTag.Length + moved;
        tag[0] = (byte)(tpid >> 8); tag[1] = (byte)tpid;
        tag[2] = (byte)(tci >> 8); tag[3] = (byte)tci;
        _offsets[index] = offset - VlanTag.Length;
        _lengths[index] += VlanTag.Length;
        _offloads[index].Shift(VlanTag.Length);
        return true;
    }

    /// <summary>
    /// Removes the outer VLAN tag (the 4 bytes after the MAC addresses) by moving the addresses forward over
    /// it: 12 bytes moved, whatever the frame's size.
    /// </summary>
    public void RemoveTag(int index)
    {
        byte* data = Data(index);
        const int moved = 2 * MacAddress.Length;
        Buffer.MemoryCopy(data, data + VlanTag.Length, moved, moved);
        _offsets[index] += VlanTag.Length;
        _lengths[index] -= VlanTag.Length;
        _offloads[index].Shift(-VlanTag.Length);
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
