using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>A bridge (a network, an L2 broadcast domain) in the control plane's object model.</summary>
public sealed class Bridge(string name, ushort domain, MacAddress mac)
{
    public const int DefaultAgeingSeconds = 300;

    public string Name { get; } = name;
    /// <summary>The forwarding domain: the FDB's and the datapath's name for the bridge.</summary>
    public ushort Domain { get; } = domain;
    /// <summary><see cref="MacAddress.InternalBridge"/> without an uplink, the uplink's MAC with one.</summary>
    public MacAddress Mac { get; } = mac;
    public int AgeingSeconds { get; set; } = DefaultAgeingSeconds;
    /// <summary>The bridge's own host interface (a switch-owned TAP named as the bridge).</summary>
    public Port? Host { get; set; }
    /// <summary>The physical uplink of an external bridge.</summary>
    public Port? Uplink { get; set; }
    /// <summary>Guest ports, in the order they were added.</summary>
    public List<Port> Guests { get; } = [];
    /// <summary>Ports from the config that could not be opened at start (device absent); kept so nothing is lost.</summary>
    public List<PortConfig> Absent { get; } = [];

    public bool IsExternal => Uplink is not null;

    public IEnumerable<Port> AllPorts()
    {
        if (Host is not null) yield return Host;
        if (Uplink is not null) yield return Uplink;
        foreach (var port in Guests) yield return port;
    }

    public int NextPortNumber() => AllPorts().Select(p => p.Number).DefaultIfEmpty(0).Max() + 1;
}
