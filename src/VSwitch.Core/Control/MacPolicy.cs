using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>Which MACs a port, or a static FDB entry, may be given.</summary>
public static class MacPolicy
{
    public static MacAddress ValidatePortMac(string text) => ValidateUnicast(text, "a port's address");

    /// <summary>The MAC a new guest port gets: the one given, checked, or a random locally administered one.</summary>
    public static MacAddress PortMacOrRandom(string? text) => text is null ? MacAddress.RandomLocal()
        : ValidatePortMac(text);

    public static MacAddress ValidateFdbMac(string text) =>
        ValidateUnicast(text, "a static FDB entry (multicast and broadcast always flood)");

    private static MacAddress ValidateUnicast(string text, string what)
    {
        if (!MacAddress.TryParse(text, out var mac))
            throw new ConfigException($"'{text}' is not a MAC address: write six hex octets, like " +
                $"{MacAddress.RandomLocal()}");
        if (mac.IsMulticast)
            throw new ConfigException($"{mac} is a multicast MAC (the lowest bit of the first octet is set) and " +
                $"cannot be {what}; " +
                $"use a locally administered unicast MAC, whose second hex digit is 2, 6, A or E, such as " +
                    $"{MacAddress.RandomLocal()}");
        if (mac.IsZero)
            throw new ConfigException($"00:00:00:00:00:00 cannot be {what}; use a locally administered unicast MAC " +
                $"such as {MacAddress.RandomLocal()}");
        return mac;
    }
}
