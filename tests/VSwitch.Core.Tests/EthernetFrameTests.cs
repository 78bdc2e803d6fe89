using System.Buffers.Binary;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

public class EthernetFrameTests
{
    [Fact]
    public void Parse_ReadsAddressesAndEtherType()
    {
        var frame = TestFrames.Ethernet(TestFrames.Mac(2), TestFrames.Mac(1), type: EtherType.Arp);
        Assert.Equal(FrameError.None, EthernetFrame.TryParse(frame, out var parsed));
        Assert.Equal(TestFrames.Mac(2), parsed.Destination);
        Assert.Equal(TestFrames.Mac(1), parsed.Source);
        Assert.Equal(EtherType.Arp, parsed.EtherType);
        Assert.False(parsed.IsTagged);
    }

    [Fact]
    public void Parse_ReadsTwoStackedTags_WithPriorityAndDei()
    {
        var frame = new byte[64];
        TestFrames.Mac(2).Write(frame);
        TestFrames.Mac(1).Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), EtherType.QinQ);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ushort)((5 << 13) | 0x1000 | 100));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), EtherType.Vlan);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), 7);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), EtherType.IPv6);

        Assert.Equal(FrameError.None, EthernetFrame.TryParse(frame, out var parsed));
        Assert.Equal(2, parsed.TagCount);
        Assert.Equal(EtherType.QinQ, parsed.OuterTag.Tpid);
        Assert.Equal(100, parsed.OuterTag.Id);
        Assert.Equal(5, parsed.OuterTag.Priority);
        Assert.True(parsed.OuterTag.DropEligible);
        Assert.Equal(7, parsed.InnerTag.Id);
        Assert.Equal(EtherType.IPv6, parsed.EtherType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    public void Parse_RefusesFramesShorterThanAHeader(int length) =>
        Assert.Equal(FrameError.TooShort, EthernetFrame.TryParse(new byte[length], out _));

    [Fact]
    public void Parse_RefusesATagCutShort()
    {
        var frame = new byte[16];
        TestFrames.Mac(1).Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), EtherType.Vlan);
        Assert.Equal(FrameError.TooShort, EthernetFrame.TryParse(frame, out _));
    }

    [Theory]
    [InlineData("00:00:00:00:00:00")]
    [InlineData("ff:ff:ff:ff:ff:ff")]
    [InlineData("01:00:5e:00:00:fb")]
    public void Parse_RefusesInvalidSources(string source)
    {
        var frame = TestFrames.Ethernet(TestFrames.Mac(2), MacAddress.Parse(source));
        Assert.Equal(FrameError.InvalidSource, EthernetFrame.TryParse(frame, out _));
    }

    [Fact]
    public void InsertTag_PutsTagAfterAddresses_AndShiftsChecksumStart()
    {
        using var batch = new PacketBatch(1, 2048);
        var packet = TestFrames.Packet(TestFrames.Mac(2), TestFrames.Mac(1));
        batch.Add(packet, new PacketOffload { Flags = PacketOffload.NeedsChecksum, ChecksumStart = 34 });

        Assert.True(batch.InsertTag(0, EtherType.Vlan, (ushort)((3 << 13) | 42)));

        var frame = batch.Frame(0);
        Assert.Equal(packet.Length + 4, batch.Length(0));
        Assert.Equal(FrameError.None, EthernetFrame.TryParse(frame, out var parsed));
        Assert.Equal(42, parsed.OuterTag.Id);
        Assert.Equal(3, parsed.OuterTag.Priority);
        Assert.Equal(TestFrames.Mac(1), parsed.Source);
        Assert.Equal(EtherType.IPv4, parsed.EtherType);
        Assert.Equal(38, batch.Offload(0).ChecksumStart);
    }
}
