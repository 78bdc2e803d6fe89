using System.Buffers;
using System.Buffers.Binary;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Offload;

/// <summary>
/// Cuts a byte stream framed as QEMU's stream netdev frames it (each frame preceded by its length, 4 bytes
/// big-endian) into a receive batch, each with an empty offload record (complete frames, finished checksums:
/// the guest had no offloads to ask for).
/// </summary>
public static class StreamFramer
{
    /// <summary>The largest frame accepted: a 9000-byte jumbo MTU plus Ethernet and VLAN headers.</summary>
    public const int MaxFrameLength = 9000 + EthernetFrame.HeaderLength + 2 * VlanTag.Length;

    public enum Fault
    {
        None,
        /// <summary>A length of 0: there is no such frame.</summary>
        EmptyFrame,
        /// <summary>A length over <see cref="MaxFrameLength"/>.</summary>
        FrameTooLong,
    }

    /// <summary>
    /// Moves whole frames from <paramref name="stream"/> into <paramref name="batch"/> (from its current
    /// count up to its capacity). Returns where the unread bytes begin; a frame that has not fully arrived
    /// stays unread. A fault leaves <paramref name="fault"/> and <paramref name="length"/> set: the stream
    /// is out of step and cannot be read further.
    /// </summary>
    public static SequencePosition Read(ReadOnlySequence<byte> stream, PacketBatch batch, out Fault fault,
        out uint length)
    {
        fault = Fault.None;
        length = 0;
        var reader = new SequenceReader<byte>(stream);
        Span<byte> prefix = stackalloc byte[4];
        while (batch.Count < batch.Capacity && reader.Remaining >= 4)
        {
            reader.TryCopyTo(prefix);
            // Unsigned, as QEMU writes it: 0xFFFFFFFF is a length of 4,294,967,295, not -1.
            length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
            if (length == 0) { fault = Fault.EmptyFrame; break; }
            if (length > MaxFrameLength) { fault = Fault.FrameTooLong; break; }
            int frame = (int)length;
            if (reader.Remaining < 4 + frame) break;
            reader.Advance(4);
            int slot = batch.Count;
            reader.TryCopyTo(batch.ReceiveArea(slot, 0)[..frame]);
            reader.Advance(frame);
            batch.Set(slot, PacketBatch.Headroom, frame);
            batch.Count = slot + 1;
        }
        return reader.Position;
    }
}
