using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VSwitch.Core.Control;

/// <summary>Parses the IP= and netmask= of pif-reconfigure-ip (IPv4, as xe takes them).</summary>
public static class IpConfig
{
    public static ManagementAddress Parse(string? ip, string? netmask)
    {
        if (string.IsNullOrEmpty(ip)) throw new ConfigException("mode=static needs IP=ADDRESS");
        if (string.IsNullOrEmpty(netmask)) throw new ConfigException("mode=static needs netmask=MASK, such as " +
            "255.255.255.0");
        if (!IPAddress.TryParse(ip, out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || ip.Count(c => c == '.') != 3)
            throw new ConfigException($"IP '{ip}' is not an IPv4 address (such as 192.0.2.10)");
        uint value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        if (value == 0 || value >> 28 == 0xE || value >> 24 == 127)
            throw new ConfigException($"IP {ip} cannot be a host's address (zero, multicast or loopback)");
        if (!IPAddress.TryParse(netmask, out var mask) || mask.AddressFamily != AddressFamily.InterNetwork
            || netmask.Count(c => c == '.') != 3)
            throw new ConfigException($"netmask '{netmask}' is not a dotted IPv4 netmask (such as 255.255.255.0)");
        uint bits = BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes());
        if (bits == 0 || (~bits & (~bits + 1)) != 0)
            throw new ConfigException($"netmask {netmask} is not contiguous ones followed by zeros (such as " +
                $"255.255.255.0)");
        return new ManagementAddress(address, mask);
    }
}
