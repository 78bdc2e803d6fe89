using PacketDotNet;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

/// <summary>Builds test frames with PacketDotNet.</summary>
internal static class TestFrames
{
    public static byte[] Ethernet(MacAddress destination, MacAddress source, int payload = 46,
        ushort type = EtherType.IPv4)
    {
        var frame = new EthernetPacket(Physical(source), Physical(destination), (PacketDotNet.EthernetType)type)
        {
            PayloadData = new byte[payload],
        };
        return frame.Bytes;
    }

    public static byte[] Packet(MacAddress destination, MacAddress source) => Ethernet(destination, source);

    public static System.Net.NetworkInformation.PhysicalAddress Physical(MacAddress mac)
    {
        var bytes = new byte[6];
        mac.Write(bytes);
        return new System.Net.NetworkInformation.PhysicalAddress(bytes);
    }

    public static MacAddress Mac(int n) => new(0x0200_0000_0000UL | (uint)n);
}
