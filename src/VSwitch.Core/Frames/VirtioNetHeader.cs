using System.Buffers.Binary;

namespace VSwitch.Core.Frames;

/// <summary>
/// The 10-byte <c>struct virtio_net_hdr</c> that TAP (IFF_VNET_HDR) and AF_PACKET (PACKET_VNET_HDR)
/// put in front of every frame. It says where a partial checksum goes and how a large (GSO) frame is
/// to be segmented, which is what lets 64 KB TCP segments cross the switch as one frame. Fields are in
/// host (little-endian) byte order.
/// </summary>
public static class VirtioNetHeader
{
    public const int Length = 10;

    public const byte FlagNeedsChecksum = 1;
    public const byte FlagDataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    public static byte Flags(ReadOnlySpan<byte> header) => header[0];
    public static byte GsoType(ReadOnlySpan<byte> header) => header[1];
    public static ushort HeaderLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
    public static ushort GsoSize(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
    public static ushort ChecksumStart(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
    public static ushort ChecksumOffset(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);

    /// <summary>An all-zero header: a complete frame with a finished checksum and no segmentation.</summary>
    public static void WritePlain(Span<byte> header) => header[..Length].Clear();

    /// <summary>
    /// Moves the checksum start and the header length by <paramref name="delta"/> bytes, after a VLAN tag
    /// was inserted (+4) into or removed (-4) from the frame in front of the L3 header.
    /// </summary>
    public static void ShiftOffsets(Span<byte> header, int delta)
    {
        if ((header[0] & FlagNeedsChecksum) != 0)
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)(ChecksumStart(header) + delta));
        if (GsoType(header) != GsoNone && HeaderLength(header) != 0)
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)(HeaderLength(header) + delta));
    }
}
