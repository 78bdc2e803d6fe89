using System.Net;
using PacketDotNet;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Tests;

public class GuestAddressesTests
{
    private static byte[] Arp(MacAddress sender, string ip) =>
        new ArpPacket(ArpOperation.Request, TestFrames.Physical(MacAddress.Broadcast), IPAddress.Parse("198.18.0.1"),
            TestFrames.Physical(sender), IPAddress.Parse(ip)).Bytes;

    [Fact]
    public void ABindingChanges_AndNewOnesStopAtTheBound()
    {
        var addresses = new GuestAddresses(maxBindings: 4);
        for (int n = 1; n <= 10; n++) addresses.Observe(1, TestFrames.Mac(n), Arp(TestFrames.Mac(n), $"198.18.0.{n}"));
        addresses.Observe(1, TestFrames.Mac(1), Arp(TestFrames.Mac(1), "198.18.0.99"));

        Assert.Equal(4, addresses.Count);
        Assert.Equal(IPAddress.Parse("198.18.0.99"), addresses.Find(1, TestFrames.Mac(1)));
        Assert.Null(addresses.Find(1, TestFrames.Mac(5)));
        addresses.Forget(1);
        Assert.Equal(0, addresses.Count);
        addresses.Observe(1, TestFrames.Mac(5), Arp(TestFrames.Mac(5), "198.18.0.5"));
        Assert.Equal(IPAddress.Parse("198.18.0.5"), addresses.Find(1, TestFrames.Mac(5)));
    }
}
