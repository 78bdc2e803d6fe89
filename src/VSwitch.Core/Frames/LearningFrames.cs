using System.Buffers.Binary;
using System.Net;

namespace VSwitch.Core.Frames;

/// <summary>
/// Frames whose only job is to make the upstream switch learn where a MAC is, sent after a bond failover.
/// Both are broadcast from the MAC being announced, so every switch on the way relearns it.
/// </summary>
public static class LearningFrames
{
    /// <summary>The minimum Ethernet frame (without FCS): both frames are padded to it.</summary>
    public const int Length = 60;

    /// <summary>A gratuitous ARP request (sender and target are both <paramref name="ip"/>), as a host announces its
    /// own address.</summary>
    public static byte[] GratuitousArp(MacAddress mac, IPAddress ip)
    {
        var frame = Arp(mac, EtherType.Arp, operation: 1);
        var address = ip.GetAddressBytes();
        address.CopyTo(frame, 28);  // sender protocol address
        address.CopyTo(frame, 38);  // target protocol address
        return frame;
    }

    /// <summary>
    /// A RARP "reverse request" for <paramref name="mac"/>, as Open vSwitch and QEMU send after a migration
    /// when the guest's IP is not known: every switch learns the source, and hosts ignore it.
    /// </summary>
    public static byte[] Rarp(MacAddress mac)
    {
        var frame = Arp(mac, EtherType.Rarp, operation: 3);
        mac.Write(frame.AsSpan(32));  // target hardware address: the sender itself
        return frame;
    }

    private static byte[] Arp(MacAddress mac, ushort etherType, ushort operation)
    {
        var frame = new byte[Length];
        MacAddress.Broadcast.Write(frame);
        mac.Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 1);              // hardware: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), EtherType.IPv4); // protocol: IPv4
        frame[18] = 6;
        frame[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), operation);
        mac.Write(frame.AsSpan(22));   // sender hardware address
        return frame;
    }
}
