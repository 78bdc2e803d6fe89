using System.Buffers.Binary;

namespace VSwitch.Core.Frames;

/// <summary>
/// The tag a VLAN network's uplink puts in front of a frame. Its priority (PCP) and drop eligibility
/// (DEI) are copied from the tag the frame already carries, if any, as OpenFlow's push_vlan does, so a
/// trunk-mode guest's priority is visible on the outer tag too. An untagged frame gets the priority of
/// the priority tag (VLAN ID 0) it arrived with, which the pipeline took off (<see cref="PacketBatch.Priority"/>),
/// else 0.
/// </summary>
public static class VlanPush
{
    /// <param name="priority">PCP and DEI of a priority tag taken off the frame: the TCI's top four bits, shifted
    /// down.</param>
    public static ushort OuterTci(ReadOnlySpan<byte> frame, int vlan, byte priority = 0)
    {
        ushort tci = (ushort)(vlan | (priority & 0xF) << 12);
        if (frame.Length >= EthernetFrame.HeaderLength + VlanTag.Length &&
            EtherType.IsVlanTag(BinaryPrimitives.ReadUInt16BigEndian(frame[12..])))
            tci = (ushort)(vlan | (BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0xF000));
        return tci;
    }
}
