using System.Buffers.Binary;

namespace VSwitch.Core.Frames;

/// <summary>
/// The switching-relevant view of an Ethernet frame: destination, source, up to two VLAN tags and
/// the inner EtherType. Parsing reads only the first bytes of the frame and never copies it.
/// </summary>
public readonly ref struct EthernetFrame
{
    public const int HeaderLength = 14;
    public const int MinimumLength = HeaderLength;

    private EthernetFrame(MacAddress destination, MacAddress source, int tagCount, VlanTag outer, VlanTag inner,
        ushort etherType)
    {
        Destination = destination;
        Source = source;
        TagCount = tagCount;
        OuterTag = outer;
        InnerTag = inner;
        EtherType = etherType;
    }

    public MacAddress Destination { get; }
    public MacAddress Source { get; }
    /// <summary>0, 1 or 2 VLAN tags (802.1Q or 802.1ad) found after the source address.</summary>
    public int TagCount { get; }
    public VlanTag OuterTag { get; }
    public VlanTag InnerTag { get; }
    /// <summary>The EtherType after any tags.</summary>
    public ushort EtherType { get; }
    public bool IsTagged => TagCount > 0;

    /// <summary>Parses the header; returns the reason when the frame cannot be switched.</summary>
    public static FrameError TryParse(ReadOnlySpan<byte> frame, out EthernetFrame parsed)
    {
        parsed = default;
        if (frame.Length < MinimumLength) return FrameError.TooShort;

        var destination = MacAddress.Read(frame);
        var source = MacAddress.Read(frame[6..]);
        if (!source.IsValidSource) return FrameError.InvalidSource;

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        int tags = 0;
        VlanTag outer = default, inner = default;
        int at = 12;
        while (Frames.EtherType.IsVlanTag(type) && tags < 2)
        {
            if (frame.Length < at + VlanTag.Length + 2) return FrameError.TooShort;
            var tag = new VlanTag(type, BinaryPrimitives.ReadUInt16BigEndian(frame[(at + 2)..]));
            if (tags == 0) outer = tag; else inner = tag;
            tags++;
            at += VlanTag.Length;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        }

        parsed = new EthernetFrame(destination, source, tags, outer, inner, type);
        return FrameError.None;
    }
}
