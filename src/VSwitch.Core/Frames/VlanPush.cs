using System.Buffers.Binary;

namespace VSwitch.Core.Frames;

/// <summary>
/// The tag a VLAN network's uplink puts in front of a frame. Its priority (PCP) and drop eligibility
/// (DEI) are copied from the tag the frame already carries, if any, as OpenFlow's push_vlan does, so a
/// trunk-mode guest's priority is visible on the outer tag too; an untagged frame gets priority 0.
/// </summary>
public static class VlanPush
{
    public static ushort OuterTci(ReadOnlySpan<byte> frame, int vlan)
    {
        ushort tci = (ushort)vlan;
        if (frame.Length >= EthernetFrame.HeaderLength + VlanTag.Length &&
            EtherType.IsVlanTag(BinaryPrimitives.ReadUInt16BigEndian(frame[12..])))
            tci |= (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0xF000);
        return tci;
    }
}
