using VSwitch.Core.Config;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>A bridge (a network, an L2 broadcast domain) in the control plane's object model.</summary>
public sealed class Bridge(string name, ushort domain, MacAddress mac, string uuid)
{
    public const int DefaultAgeingSeconds = 300;

    public string Name { get; } = name;
    /// <summary>The forwarding domain: the FDB's and the datapath's name for the bridge.</summary>
    public ushort Domain { get; } = domain;
    /// <summary><see cref="MacAddress.InternalBridge"/> without an uplink, the uplink's MAC with one.</summary>
    public MacAddress Mac { get; } = mac;
    /// <summary>The network's UUID, stable across restarts.</summary>
    public string Uuid { get; } = uuid;
    public string NameLabel { get; set; } = name;
    public Dictionary<string, string> OtherConfig { get; } = new(StringComparer.Ordinal);
    public int AgeingSeconds { get; set; } = DefaultAgeingSeconds;
    /// <summary>xe's default-locking-mode: what ports in network_default mode do (unlocked or disabled).</summary>
    public LockingMode DefaultLockingMode { get; set; } = LockingMode.Unlocked;
    /// <summary>The bridge's own host interface (a switch-owned TAP named as the bridge).</summary>
    public Port? Host { get; set; }
    /// <summary>The uplink port of an external bridge: its share of the PIF, named eth1 (untagged) or eth1.5 (VLAN
    /// 5).</summary>
    public Port? Uplink { get; set; }
    /// <summary>The NIC or bond the uplink port sends and receives through.</summary>
    public Pif? Pif { get; set; }
    /// <summary>The 802.1Q VLAN the bridge carries on its PIF; 0 for the untagged network.</summary>
    public int Vlan { get; set; }
    public Dictionary<string, string> PifOtherConfig { get; } = new(StringComparer.Ordinal);
    /// <summary>The management address on the host interface, if one was configured.</summary>
    public ManagementAddress? Management { get; set; }
    /// <summary>Guest ports, in the order they were added.</summary>
    public List<Port> Guests { get; } = [];
    /// <summary>Ports from the config that could not be opened at start (device absent); kept so nothing is
    /// lost.</summary>
    public List<PortConfig> Absent { get; } = [];
    /// <summary>Static FDB entries, by MAC, with the name of their port.</summary>
    public SortedDictionary<MacAddress, string> StaticMacs { get; } = [];

    public bool IsExternal => Uplink is not null;

    public IEnumerable<Port> AllPorts()
    {
        if (Host is not null) yield return Host;
        if (Uplink is not null) yield return Uplink;
        foreach (var port in Guests) yield return port;
    }

    public Port? FindPort(string portName) => AllPorts().FirstOrDefault(p => p.Name == portName);

    public int NextPortNumber() => AllPorts().Select(p => p.Number).DefaultIfEmpty(0).Max() + 1;
}

/// <summary>An IPv4 address and netmask on a bridge's host interface.</summary>
public sealed record ManagementAddress(System.Net.IPAddress Ip, System.Net.IPAddress Netmask)
{
    public int PrefixLength => System.Numerics.BitOperations.PopCount(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Netmask.GetAddressBytes()));
}
