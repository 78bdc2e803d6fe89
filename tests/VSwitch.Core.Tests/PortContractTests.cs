using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Tests;

/// <summary>
/// The two pieces every port shares: the translation between the virtio-net header a TAP or packet socket
/// exchanges and the offload record the batch keeps beside the frame, and the one transmit accounting.
/// </summary>
public unsafe class PortContractTests
{
    // A TCP/IPv4 TSO frame as a guest hands it over: checksum pending at 34 + 16, 1448-byte segments.
    private static readonly byte[] Header = [0x01, 0x81, 54, 0, 0xA8, 0x05, 34, 0, 16, 0];

    [Fact]
    public void Received_TheHeaderBecomesTheRecord_AndTheFrameIsEthernetOnly()
    {
        using var batch = new PacketBatch(capacity: 1);
        byte[] frame = TestFrames.Ethernet(TestFrames.Mac(2), TestFrames.Mac(1), 100);
        var area = batch.ReceiveArea(0, VirtioNetHeader.Length);
        Header.CopyTo(area);
        frame.CopyTo(area[VirtioNetHeader.Length..]);
        int offset = PacketBatch.Headroom - VirtioNetHeader.Length;

        VirtioNetHeader.Received(batch, 0, offset, VirtioNetHeader.Length + frame.Length);

        Assert.Equal(frame, batch.Frame(0).ToArray());
        var offload = batch.Offload(0);
        Assert.Equal((PacketOffload.NeedsChecksum, (byte)(PacketOffload.GsoTcpV4 | PacketOffload.GsoEcn)),
            (offload.Flags, offload.GsoType));
        Assert.Equal(((ushort)54, (ushort)1448, (ushort)34, (ushort)16),
            (offload.HeaderLength, offload.GsoSize, offload.ChecksumStart, offload.ChecksumOffset));
        Assert.True(offload.ChecksumPending);
        Assert.Equal(PacketOffload.GsoTcpV4, offload.Segmentation);
    }

    [Fact]
    public void Prepend_WritesTheSameHeaderBackJustInFrontOfTheFrame()
    {
        using var batch = new PacketBatch(capacity: 1);
        byte[] frame = TestFrames.Ethernet(TestFrames.Mac(2), TestFrames.Mac(1), 100);
        batch.Add(frame, VirtioNetHeader.Read(Header));

        byte* start = VirtioNetHeader.Prepend(batch, 0);

        Assert.True(start == batch.Data(0) - VirtioNetHeader.Length);
        Assert.Equal(Header, new ReadOnlySpan<byte>(start, VirtioNetHeader.Length).ToArray());
        Assert.Equal(frame, batch.Frame(0).ToArray());
    }

    [Fact]
    public void ATagInsertedOrRemoved_MovesTheOffsetsThatCountFromTheFrameStart()
    {
        using var batch = new PacketBatch(capacity: 1);
        batch.Add(TestFrames.Ethernet(TestFrames.Mac(2), TestFrames.Mac(1), 100), VirtioNetHeader.Read(Header));

        Assert.True(batch.InsertTag(0, EtherType.Vlan, 5));
        Assert.Equal(((ushort)58, (ushort)38, (ushort)16),
            (batch.Offload(0).HeaderLength, batch.Offload(0).ChecksumStart, batch.Offload(0).ChecksumOffset));
        batch.RemoveTag(0);
        Assert.Equal(VirtioNetHeader.Read(Header), batch.Offload(0));
    }

    [Fact]
    public void AFrameWithNothingPending_KeepsItsOffsetsWhenTagged()
    {
        using var batch = new PacketBatch(capacity: 1);
        var complete = new PacketOffload { ChecksumStart = 34, HeaderLength = 54 };
        batch.Add(TestFrames.Ethernet(TestFrames.Mac(2), TestFrames.Mac(1), 100), complete);

        Assert.True(batch.InsertTag(0, EtherType.Vlan, 5));

        Assert.Equal(complete, batch.Offload(0));
    }

    [Fact]
    public void TxTally_WhatWasNeitherSentNorRefused_FoundNoRoom()
    {
        var tally = new TxTally();
        tally.Delivered(64);
        tally.Delivered(2, 3000);
        tally.Refused();

        Assert.Equal(new TxResult(Sent: 3, Bytes: 3064, Errors: 1, NoRoom: 4), tally.Of(offered: 8));
        Assert.Equal(new TxResult(0, 0, 0, 8), TxResult.NoneSent(8));
        Assert.Equal(new TxResult(3, 3064, 1, 12), tally.Of(8) + TxResult.NoneSent(8));
    }
}
