using System.Buffers.Binary;

namespace VSwitch.Core.Capture;

/// <summary>
/// Classic libpcap format (magic a1b2c3d4, version 2.4, microsecond timestamps, LINKTYPE_ETHERNET), which
/// tcpdump, Wireshark and PacketDotNet all read.
/// </summary>
public static class PcapWriter
{
    public const int GlobalHeaderSize = 24;
    public const int RecordHeaderSize = 16;
    private const uint Magic = 0xa1b2c3d4;
    private const uint LinkTypeEthernet = 1;

    public static void WriteGlobalHeader(Span<byte> to, int snapLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(to, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(to[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(to[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(to[8..], 0);   // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(to[12..], 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(to[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(to[20..], LinkTypeEthernet);
    }

    public static void WriteRecordHeader(Span<byte> to, long timestampMicros, int capturedLength, int originalLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(to, (uint)(timestampMicros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(to[4..], (uint)(timestampMicros % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(to[8..], capturedLength);
        BinaryPrimitives.WriteInt32LittleEndian(to[12..], originalLength);
    }
}
