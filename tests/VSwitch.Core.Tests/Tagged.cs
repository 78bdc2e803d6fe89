using System.Buffers.Binary;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

/// <summary>Tagged frames: building them, and reading tags back.</summary>
internal static class Tagged
{
    public static byte[] Frame(MacAddress destination, MacAddress source, params (ushort Tpid, ushort Tci)[] tags)
    {
        var untagged = TestFrames.Ethernet(destination, source);
        var frame = new byte[untagged.Length + 4 * tags.Length];
        untagged.AsSpan(0, 12).CopyTo(frame);
        for (int i = 0; i < tags.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12 + 4 * i), tags[i].Tpid);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 4 * i), tags[i].Tci);
        }
        untagged.AsSpan(12).CopyTo(frame.AsSpan(12 + 4 * tags.Length));
        return frame;
    }

    public static ushort Tci(int vlan, int pcp = 0, bool dei = false) => (ushort)(vlan | (pcp << 13) | (dei ? 0x1000
        : 0));

    /// <summary>The tags at the front of a frame, outermost first.</summary>
    public static List<(ushort Tpid, ushort Tci)> Tags(byte[] frame)
    {
        var tags = new List<(ushort, ushort)>();
        for (int at = 12; EtherType.IsVlanTag(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at))); at += 4)
            tags.Add((BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at)),
                BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at + 2))));
        return tags;
    }
}
