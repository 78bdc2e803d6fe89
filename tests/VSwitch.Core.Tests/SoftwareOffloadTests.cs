using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using PacketDotNet;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;

namespace VSwitch.Core.Tests;

public class SoftwareOffloadTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();

    private static byte[] TcpFrame(bool v6, byte[] payload, bool fin = true)
    {
        var tcp = new TcpPacket(40000, 5201) { SequenceNumber = 1000, AcknowledgmentNumber = 77,
            Flags = (ushort)(0x10 | 0x08 | (fin ? 0x01 : 0)), WindowSize = 512, PayloadData = payload };
        IPPacket ip = v6
            ? new IPv6Packet(IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")) { PayloadPacket = tcp }
            : new IPv4Packet(IPAddress.Parse("198.18.0.1"), IPAddress.Parse("198.18.0.2")) { Id = 500,
                PayloadPacket = tcp };
        var ethernet = new EthernetPacket(TestFrames.Physical(TestFrames.Mac(1)),
            TestFrames.Physical(TestFrames.Mac(2)), v6 ? EthernetType.IPv6 : EthernetType.IPv4) { PayloadPacket = ip };
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        tcp.UpdateTcpChecksum();
        return ethernet.Bytes;
    }

    /// <summary>A TSO frame's offload record, and the frame with its TCP checksum mangled, as a sender that leaves it
    /// to the offload would.</summary>
    private static (byte[] Frame, PacketOffload Offload) WithGso(byte[] frame, byte type, int mss)
    {
        int tcp = type == PacketOffload.GsoTcpV6 ? 54 : 34;
        frame[tcp + 16] ^= 0xFF;
        return (frame, new PacketOffload
        {
            Flags = PacketOffload.NeedsChecksum, GsoType = type, GsoSize = (ushort)mss, ChecksumStart = (ushort)tcp, ChecksumOffset = 16,
        });
    }

    private static List<byte[]> Records(ReadOnlySpan<byte> stream)
    {
        var frames = new List<byte[]>();
        while (stream.Length > 0)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(stream);
            frames.Add(stream.Slice(4, length).ToArray());
            stream = stream[(4 + length)..];
        }
        return frames;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TsoFrame_IsCutIntoMssSegments_WithValidHeadersAndChecksums(bool v6)
    {
        var (frame, offload) = WithGso(TcpFrame(v6, Payload), v6 ? PacketOffload.GsoTcpV6 : PacketOffload.GsoTcpV4,
            1448);
        var output = new byte[32 * 1024];
        Assert.Equal(SoftwareOffload.Result.Done, SoftwareOffload.WriteLengthPrefixed(frame, offload, output,
            out int written, out int count));

        var segments = Records(output.AsSpan(0, written));
        Assert.Equal(7, count); // ceil(10000 / 1448)
        Assert.Equal(7, segments.Count);
        var reassembled = new List<byte>();
        for (int i = 0; i < segments.Count; i++)
        {
            var ethernet = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, segments[i]);
            var tcp = ethernet.Extract<TcpPacket>();
            Assert.True(tcp.ValidChecksum, $"segment {i}: TCP checksum");
            if (!v6)
            {
                var ip = ethernet.Extract<IPv4Packet>();
                Assert.True(ip.ValidIPChecksum, $"segment {i}: IP checksum");
                Assert.Equal(500 + i, ip.Id);
                Assert.Equal(segments[i].Length - 14, ip.TotalLength);
            }
            else Assert.Equal(segments[i].Length - 54, ethernet.Extract<IPv6Packet>().PayloadLength);
            Assert.Equal(1000u + (uint)reassembled.Count, tcp.SequenceNumber);
            bool last = i == segments.Count - 1;
            Assert.Equal(last, tcp.Finished);
            Assert.Equal(last, tcp.Push);
            Assert.True(tcp.Acknowledgment);
            Assert.True(tcp.PayloadData.Length == (last ? 10_000 - 6 * 1448 : 1448));
            reassembled.AddRange(tcp.PayloadData);
        }
        Assert.Equal(Payload, reassembled.ToArray());
    }

    [Fact]
    public void PartialChecksum_IsFinished()
    {
        var frame = TcpFrame(false, Payload[..300], fin: false);
        var packet = frame.ToArray();
        // What a sender with checksum offload leaves: the pseudo-header sum in the field, start and offset in the
        // header.
        var parsed = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame);
        var ip = parsed.Extract<IPv4Packet>();
        ulong pseudo = InternetChecksum.Add(0, ip.SourceAddress.GetAddressBytes()) + InternetChecksum.Add(0,
            ip.DestinationAddress.GetAddressBytes()) + 6 + (ulong)(frame.Length - 34);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(34 + 16), InternetChecksum.Fold(pseudo));
        var offload = new PacketOffload { Flags = PacketOffload.NeedsChecksum, ChecksumStart = 34,
            ChecksumOffset = 16 };

        var output = new byte[2048];
        Assert.Equal(SoftwareOffload.Result.Done, SoftwareOffload.WriteLengthPrefixed(packet, offload, output,
            out int written, out int count));
        Assert.Equal(1, count);
        var segment = Assert.Single(Records(output.AsSpan(0, written)));
        Assert.Equal(frame, segment);
        Assert.True(((EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet,
            segment)).Extract<TcpPacket>().ValidChecksum);
    }

    [Fact]
    public void NoRoom_AndUnsupportedOffloads_AreReported()
    {
        var (frame, offload) = WithGso(TcpFrame(false, Payload), PacketOffload.GsoTcpV4, 1448);
        Assert.Equal(SoftwareOffload.Result.NoRoom, SoftwareOffload.WriteLengthPrefixed(frame, offload, new byte[3000],
            out _, out _));
        offload.GsoType = PacketOffload.GsoUdp;
        Assert.Equal(SoftwareOffload.Result.Unsupported, SoftwareOffload.WriteLengthPrefixed(frame, offload,
            new byte[32 * 1024], out _, out _));
    }
}
