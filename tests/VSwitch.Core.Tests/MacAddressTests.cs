using VSwitch.Core.Frames;

namespace VSwitch.Core.Tests;

public class MacAddressTests
{
    [Fact]
    public void ParseAndFormat_RoundTrip()
    {
        var mac = MacAddress.Parse("02:AB:cd:00:10:ff");
        Assert.Equal("02:ab:cd:00:10:ff", mac.ToString());
        Assert.Equal(0x02ABCD0010FFUL, mac.Value);
    }

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("0200.0000.0001")]
    [InlineData("")]
    public void TryParse_RejectsMalformed(string text) => Assert.False(MacAddress.TryParse(text, out _));

    [Fact]
    public void MulticastAndBroadcast_AreNotValidSources()
    {
        Assert.True(MacAddress.Parse("01:00:5e:00:00:01").IsMulticast);
        Assert.False(MacAddress.Parse("01:00:5e:00:00:01").IsValidSource);
        Assert.False(MacAddress.Broadcast.IsValidSource);
        Assert.False(MacAddress.Zero.IsValidSource);
        Assert.True(MacAddress.Parse("02:00:00:00:00:01").IsValidSource);
        Assert.False(MacAddress.InternalBridge.IsMulticast);
    }

    [Fact]
    public void RandomLocal_IsLocallyAdministeredUnicast_WithSecondHexDigit26AE()
    {
        for (int i = 0; i < 200; i++)
        {
            var mac = MacAddress.RandomLocal();
            Assert.True(mac.IsLocallyAdministered);
            Assert.False(mac.IsMulticast);
            Assert.Contains(mac.ToString()[1], "26ae");
        }
    }
}
