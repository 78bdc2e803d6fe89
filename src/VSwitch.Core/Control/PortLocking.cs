using System.Net;
using System.Net.Sockets;

namespace VSwitch.Core.Control;

/// <summary>
/// A guest port's locking settings as xe sets them: its mode and the addresses it may send from. Immutable;
/// a change makes a new one.
/// </summary>
public sealed record PortLocking(LockingMode Mode, IReadOnlyList<IPAddress> Ipv4Allowed,
    IReadOnlyList<IPAddress> Ipv6Allowed)
{
    /// <summary>Addresses one port may be allowed, per family: what a guest really has is a handful.</summary>
    public const int MaxAddresses = 64;

    public static PortLocking Default { get; } = new(LockingMode.NetworkDefault, [], []);

    public bool IsDefault => Mode == LockingMode.NetworkDefault && Ipv4Allowed.Count == 0 && Ipv6Allowed.Count == 0;

    /// <summary>The mode that applies: a port's own, or its network's default.</summary>
    public LockingMode Effective(LockingMode networkDefault) => Mode == LockingMode.NetworkDefault ? networkDefault
        : Mode;

    /// <summary>Parses ipv4-allowed or ipv6-allowed as xe takes them: comma-separated, possibly empty.</summary>
    public static List<IPAddress> ParseList(string param, string text)
    {
        var list = new List<IPAddress>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var address = ParseAddress(param, item);
            if (!list.Contains(address)) list.Add(address);
        }
        if (list.Count > MaxAddresses)
            throw new ConfigException($"{param}: at most {MaxAddresses} addresses, not {list.Count}");
        return list;
    }

    /// <summary>One address of the family <paramref name="param"/> names (ipv4-allowed, ipv6-allowed).</summary>
    public static IPAddress ParseAddress(string param, string text)
    {
        var family = param == "ipv4-allowed" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != family
            || (family == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            throw new ConfigException($"{param}: '{text}' is not an {(family == AddressFamily.InterNetwork
                ? "IPv4" : "IPv6")} address");
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6Multicast
            || (family == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224))
            throw new ConfigException($"{param}: {text} cannot be a guest's own address");
        return address;
    }
}
