using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// The TPACKET_V2 receive ring of an AF_PACKET socket: the kernel copies each frame into a slot of
/// memory shared with us, in the softirq that receives it (for a veth, the sender's), and flips the
/// slot's status, so a receive costs us no system call, no skb to free and no per-message
/// bookkeeping; the worker reads the slot and hands it back. V2 rather than V3: V3 hands over whole blocks, on a timer
/// when traffic
/// is light, which would add up to a millisecond to a ping; V2 hands over every frame as it lands.
/// Slots are 2 KB, room for a 1500-byte frame with its tag and virtio-net header. A larger frame (a
/// 64 KB GSO frame, a jumbo frame) arrives cut short with <see cref="StatusCopy"/> set, and the whole
/// frame waits in the socket's ordinary receive queue (PACKET_COPY_THRESH), in the same order.
/// </summary>
internal sealed unsafe class PacketReceiveRing : IDisposable
{
    private const int TPACKET_V2 = 1;
    private const int PACKET_COPY_THRESH = 7;
    public const uint StatusUser = 1;
    public const uint StatusCopy = 2;
    public const int FrameSize = 2048;
    private const int BlockSize = 16 * 1024;
    // 8 MB, the socket buffer's size before the ring: 4,096 frames of slack while a worker is off its
    // core. It raised the zero-loss rate over 2,048 slots (perf/README.md, "Techniques").
    private const int FrameCount = 4096;

    private readonly byte* _ring;
    private int _next;

    private PacketReceiveRing(byte* ring) => _ring = ring;

    private static nuint RingBytes => (nuint)FrameSize * FrameCount;

    /// <summary>
    /// Sets up the ring on an unbound socket. Returns null, with the kernel's refusal in
    /// <paramref name="refusal"/> (no TPACKET_V2, no memory), if it cannot: the port then receives with
    /// recvmmsg, as a socket without a ring.
    /// </summary>
    public static PacketReceiveRing? TryCreate(int fd, out string? refusal)
    {
        int version = TPACKET_V2, copy = 1;
        refusal = null;
        if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version,
            sizeof(int)) < 0) return Refused("setsockopt(PACKET_VERSION, TPACKET_V2)", out refusal);
        if (setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &copy,
            sizeof(int)) < 0) return Refused("setsockopt(PACKET_COPY_THRESH)", out refusal);
        var request = new TpacketRequest
        {
            BlockSize = BlockSize,
            BlockCount = (uint)(RingBytes / BlockSize),
            FrameSize = FrameSize,
            FrameCount = FrameCount,
        };
        if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request,
            (uint)sizeof(TpacketRequest)) < 0) return Refused("setsockopt(PACKET_RX_RING)", out refusal);
        void* ring = mmap(null, (size_t)(ulong)RingBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (ring == (void*)-1) return Refused("mmap(PACKET_RX_RING)", out refusal);
        return new PacketReceiveRing((byte*)ring);
    }

    private static PacketReceiveRing? Refused(string operation, out string refusal)
    {
        refusal = NativeError.Last(operation).Message;
        return null;
    }

    /// <summary>The next frame the kernel has handed over, or null if there is none yet.</summary>
    public Tpacket2Header* Ready()
    {
        var header = (Tpacket2Header*)(_ring + (long)_next * FrameSize);
        // Acquire: the frame's bytes are read only after its status says they are ours.
        return (Volatile.Read(ref header->Status) & StatusUser) != 0 ? header : null;
    }

    /// <summary>
    /// Whether every slot holds a frame, so the kernel has nowhere to put the next one and drops it. The
    /// kernel takes slots in order and we hand them back in order, so the slot before the next one, the
    /// last we handed back, is the kernel's again only once it has taken every other slot.
    /// </summary>
    public bool Full()
    {
        var last = (Tpacket2Header*)(_ring + (long)(_next == 0 ? FrameCount - 1 : _next - 1) * FrameSize);
        return (Volatile.Read(ref last->Status) & StatusUser) != 0;
    }

    /// <summary>Hands the frame <see cref="Ready"/> returned back to the kernel and moves on.</summary>
    public void Release(Tpacket2Header* header)
    {
        // Release: our reads of the frame are done before the kernel may write it again.
        Volatile.Write(ref header->Status, 0u);
        _next = _next + 1 == FrameCount ? 0 : _next + 1;
    }

    public void Dispose() => munmap(_ring, (size_t)(ulong)RingBytes);
}

/// <summary><c>struct tpacket_req</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketRequest
{
    public uint BlockSize;
    public uint BlockCount;
    public uint FrameSize;
    public uint FrameCount;
}

/// <summary><c>struct tpacket2_hdr</c>: the head of one ring slot; the frame starts at <see cref="Mac"/> bytes from
/// it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Tpacket2Header
{
    public uint Status;
    public uint Len;
    public uint Snaplen;
    public ushort Mac;
    public ushort Net;
    public uint Seconds;
    public uint Nanoseconds;
    public ushort VlanTci;
    public ushort VlanTpid;
    public uint Padding;
}
