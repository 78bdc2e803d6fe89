using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>Which MACs a port may be given.</summary>
public static class MacPolicy
{
    public static MacAddress ValidatePortMac(string text)
    {
        if (!MacAddress.TryParse(text, out var mac))
            throw new ConfigException($"'{text}' is not a MAC address: write six hex octets, like {MacAddress.RandomLocal()}");
        if (mac.IsMulticast)
            throw new ConfigException($"{mac} is a multicast MAC (the lowest bit of the first octet is set) and cannot be a port's address; " +
                $"use a locally administered unicast MAC, whose second hex digit is 2, 6, A or E, such as {MacAddress.RandomLocal()}");
        if (mac.IsZero)
            throw new ConfigException($"00:00:00:00:00:00 cannot be a port's address; use a locally administered unicast MAC such as {MacAddress.RandomLocal()}");
        return mac;
    }
}
