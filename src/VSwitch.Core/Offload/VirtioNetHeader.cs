using System.Buffers.Binary;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Offload;

/// <summary>
/// The 10-byte <c>struct virtio_net_hdr</c> that TAP (IFF_VNET_HDR) and AF_PACKET (PACKET_VNET_HDR) put in
/// front of every frame, translated to and from the <see cref="PacketOffload"/> record the batch keeps beside
/// it. Ports are the only users: they receive header and frame in one piece, and send them in one piece, so
/// the header is written back in front of the frame just before it goes. Fields are little-endian.
/// </summary>
public static class VirtioNetHeader
{
    public const int Length = 10;

    public static PacketOffload Read(ReadOnlySpan<byte> header) => new()
    {
        Flags = header[0],
        GsoType = header[1],
        HeaderLength = BinaryPrimitives.ReadUInt16LittleEndian(header[2..]),
        GsoSize = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]),
        ChecksumStart = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]),
        ChecksumOffset = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]),
    };

    public static void Write(in PacketOffload offload, Span<byte> header)
    {
        header[0] = offload.Flags;
        header[1] = offload.GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], offload.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], offload.GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], offload.ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], offload.ChecksumOffset);
    }

    /// <summary>
    /// A port received <paramref name="length"/> bytes, a header and a frame, at <paramref name="offset"/> of
    /// slot <paramref name="packet"/>: the frame becomes the packet, and the header its offload record.
    /// </summary>
    public static unsafe void Received(PacketBatch batch, int packet, int offset, int length)
    {
        var header = new ReadOnlySpan<byte>(batch.Slot(packet) + offset, Length);
        batch.Set(packet, offset + Length, length - Length);
        batch.Offload(packet) = Read(header);
    }

    /// <summary>
    /// Writes packet <paramref name="packet"/>'s record as a header just in front of its frame, where a slot
    /// always has room (<see cref="PacketBatch.Headroom"/>), and returns where header and frame begin; their
    /// length is <see cref="Length"/> more than the frame's. Only the worker that owns the batch sends its
    /// frames, one port after another, so the bytes written are never read by anyone else meanwhile.
    /// </summary>
    public static unsafe byte* Prepend(PacketBatch batch, int packet)
    {
        byte* header = batch.Data(packet) - Length;
        Write(batch.Offload(packet), new Span<byte>(header, Length));
        return header;
    }
}
