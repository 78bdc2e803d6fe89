using System.Buffers.Binary;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Offload;

/// <summary>
/// What a NIC (or the kernel's GSO) would do for a frame whose offload record asks for it, for a port
/// that carries plain frames (a stream socket has no virtio-net header): finish a partial checksum, and
/// cut a TCP segmentation-offload frame (up to 64 KB) into MSS-sized segments with their own IP and TCP
/// headers and checksums. Works on spans the caller owns; allocates nothing.
/// </summary>
public static class SoftwareOffload
{
    public enum Result
    {
        Done,
        /// <summary>The output buffer is too small for every segment.</summary>
        NoRoom,
        /// <summary>A segmentation type or frame layout this class does not handle (UDP fragmentation offload,
        /// say).</summary>
        Unsupported,
    }

    /// <summary>
    /// Writes <paramref name="frame"/>, finished as <paramref name="offload"/> asks, to <paramref name="output"/>
    /// as one or more complete frames, each preceded by its length as a 4-byte big-endian number (the
    /// framing of QEMU's stream netdev). Returns the bytes written in <paramref name="written"/> and the
    /// number of frames in <paramref name="frames"/>.
    /// </summary>
    public static Result WriteLengthPrefixed(ReadOnlySpan<byte> frame, in PacketOffload offload, Span<byte> output,
        out int written, out int frames)
    {
        written = 0;
        frames = 0;
        byte gso = offload.Segmentation;
        if (gso == PacketOffload.GsoNone)
        {
            if (output.Length < Prefix + frame.Length) return Result.NoRoom;
            var copy = output.Slice(Prefix, frame.Length);
            frame.CopyTo(copy);
            if (offload.ChecksumPending)
            {
                int start = offload.ChecksumStart;
                int field = start + offload.ChecksumOffset;
                if (field + 2 > copy.Length) return Result.Unsupported;
                // The field holds the pseudo-header sum already; the sum runs from checksum start to the end.
                BinaryPrimitives.WriteUInt16BigEndian(copy[field..], InternetChecksum.Finish(InternetChecksum.Add(0,
                    copy[start..])));
            }
            BinaryPrimitives.WriteInt32BigEndian(output, frame.Length);
            written = Prefix + frame.Length;
            frames = 1;
            return Result.Done;
        }
        if (gso != PacketOffload.GsoTcpV4 && gso != PacketOffload.GsoTcpV6) return Result.Unsupported;
        return SegmentTcp(frame, offload.GsoSize, gso == PacketOffload.GsoTcpV6, output, out written, out frames);
    }

    private const int Prefix = 4;

    private static Result SegmentTcp(ReadOnlySpan<byte> frame, int mss, bool v6, Span<byte> output, out int written,
        out int frames)
    {
        written = 0;
        frames = 0;
        // Ethernet header, with any VLAN tags.
        int l3 = EthernetFrame.HeaderLength;
        while (l3 + 4 <= frame.Length
            && EtherType.IsVlanTag(BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 - 2)..]))) l3 += VlanTag.Length;
        int ipLength = v6 ? 40 : (frame.Length > l3 ? (frame[l3] & 0x0F) * 4 : 0);
        int l4 = l3 + ipLength;
        if (mss == 0 || ipLength < 20 || l4 + 20 > frame.Length) return Result.Unsupported;
        if (v6 ? frame[l3 + 6] != 6 : frame[l3
            + 9] != 6) return Result.Unsupported; // IPv6 extension headers, or not TCP
        int tcpLength = (frame[l4 + 12] >> 4) * 4;
        int headers = l4 + tcpLength;
        if (tcpLength < 20 || headers > frame.Length) return Result.Unsupported;
        int payload = frame.Length - headers;
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(frame[(l4 + 4)..]);
        ushort id = v6 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 + 4)..]);
        byte flags = frame[l4 + 13];

        for (int offset = 0; offset < payload || (payload == 0 && offset == 0); offset += mss)
        {
            int chunk = Math.Min(mss, payload - offset);
            int length = headers + chunk;
            if (output.Length - written < Prefix + length) return Result.NoRoom;
            var segment = output.Slice(written + Prefix, length);
            frame[..headers].CopyTo(segment);
            frame.Slice(headers + offset, chunk).CopyTo(segment[headers..]);
            bool last = offset + chunk >= payload;
            // FIN and PSH belong to the last segment only, CWR to the first.
            byte segmentFlags = flags;
            if (!last) segmentFlags &= unchecked((byte)~0x09);
            if (offset > 0) segmentFlags &= unchecked((byte)~0x80);
            segment[l4 + 13] = segmentFlags;
            BinaryPrimitives.WriteUInt32BigEndian(segment[(l4 + 4)..], sequence + (uint)offset);

            ulong pseudo;
            if (v6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(segment[(l3 + 4)..], (ushort)(length - l4));
                pseudo = InternetChecksum.Add(0, segment.Slice(l3 + 8, 32)) + 6 + (ulong)(length - l4);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(segment[(l3 + 2)..], (ushort)(length - l3));
                BinaryPrimitives.WriteUInt16BigEndian(segment[(l3 + 4)..], (ushort)(id + offset / mss));
                BinaryPrimitives.WriteUInt16BigEndian(segment[(l3 + 10)..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(segment[(l3 + 10)..],
                    InternetChecksum.Finish(InternetChecksum.Add(0, segment.Slice(l3, ipLength))));
                pseudo = InternetChecksum.Add(0, segment.Slice(l3 + 12, 8)) + 6 + (ulong)(length - l4);
            }
            BinaryPrimitives.WriteUInt16BigEndian(segment[(l4 + 16)..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(segment[(l4 + 16)..],
                InternetChecksum.Finish(InternetChecksum.Add(pseudo, segment[l4..])));
            BinaryPrimitives.WriteInt32BigEndian(output[written..], length);
            written += Prefix + length;
            frames++;
            if (payload == 0) break;
        }
        return Result.Done;
    }
}
