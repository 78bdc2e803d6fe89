using System.Buffers.Binary;

namespace VSwitch.Integration.Tests;

/// <summary>Reads a classic pcap file's frames; an independent check of what vswitchctl capture writes.</summary>
public static class PcapReader
{
    public static List<byte[]> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length >= 24, "pcap shorter than its global header");
        Assert.Equal(0xa1b2c3d4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20))); // LINKTYPE_ETHERNET
        var frames = new List<byte[]>();
        int at = 24;
        while (at + 16 <= bytes.Length)
        {
            int captured = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 8));
            int original = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 12));
            Assert.True(captured <= original && at + 16 + captured <= bytes.Length, $"bad pcap record at offset {at}");
            frames.Add(bytes.AsSpan(at + 16, captured).ToArray());
            at += 16 + captured;
        }
        Assert.Equal(bytes.Length, at);
        return frames;
    }
}
