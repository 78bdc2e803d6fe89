using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Fakes;

public sealed class FakePortFactory : IPortFactory
{
    public Dictionary<string, FakePort> Existing { get; } = new();
    public Dictionary<string, FakePort> Opened { get; } = new();
    public bool FailNextOpen { get; set; }

    public IPort CreateTap(string name, MacAddress mac) => Open(new FakePort(name, PortKind.Tap, mac));

    public IPort CreateStream(string name, MacAddress guestMac, string? owner, int mtu) =>
        Open(new FakePort(name, PortKind.Stream, guestMac) { SocketPath = $"/run/vswitch/{name}.sock", Mtu = mtu });

    public IPort OpenRaw(string device) =>
        Existing.TryGetValue(device, out var port) ? Open(port)
            : throw new ConfigException($"interface {device} does not exist");

    /// <summary>Other names of interfaces (altnames): alias → the interface's own name.</summary>
    public Dictionary<string, string> AltNames { get; } = new();

    public int InterfaceIndex(string name) =>
        AltNames.TryGetValue(name, out var own) ? InterfaceIndex(own)
        : Opened.TryGetValue(name, out var opened) ? opened.Place.Index
        : Existing.TryGetValue(name, out var existing) ? existing.Place.Index : 0;

    public bool InterfaceExists(string name) => Existing.ContainsKey(name) || Opened.ContainsKey(name)
        || AltNames.ContainsKey(name)
        || Persistent.ContainsKey(name);

    /// <summary>Interfaces without carrier; every other one is up.</summary>
    public HashSet<string> Down { get; } = [];
    public bool LinkRunning(string name) => !Down.Contains(name);

    /// <summary>Interfaces that have an IPv4 address of their own.</summary>
    public HashSet<string> WithAddress { get; } = [];
    public bool HasIpv4Address(string name) => WithAddress.Contains(name);

    /// <summary>Persistent TAPs by name, with their owner.</summary>
    public Dictionary<string, string?> Persistent { get; } = new();
    public Dictionary<string, ManagementAddress?> Addresses { get; } = new();
    /// <summary>Users CreatePersistentTap knows, as the passwd database would.</summary>
    public HashSet<string> Users { get; } = ["root", "qemu"];

    public void CreatePersistentTap(string name, string? owner)
    {
        if (owner is not null && !Users.Contains(owner) && !uint.TryParse(owner, out _))
            throw new ConfigException($"owner '{owner}': no such user");
        if (InterfaceExists(name)) throw new IOException($"ioctl(TUNSETIFF, {name}): EBUSY");
        Persistent[name] = owner;
        Existing[name] = new FakePort(name, PortKind.Raw, MacAddress.InternalBridge);
    }

    public void DeleteInterface(string name)
    {
        if (!Persistent.Remove(name)) throw new IOException($"delete {name}: ENODEV");
        Existing.Remove(name);
        Opened.Remove(name);
    }

    /// <summary>The devices the last CloseAll closed, in its order.</summary>
    public List<IPort> ClosedAll { get; } = [];

    public void CloseAll(IReadOnlyList<IPort> devices)
    {
        foreach (var device in devices)
        {
            ClosedAll.Add(device);
            device.Dispose();
        }
    }

    public void SetAddress(string name, ManagementAddress? address)
    {
        if (!Opened.ContainsKey(name)) throw new IOException($"ioctl(SIOCSIFADDR, {name}): ENODEV");
        Addresses[name] = address;
    }

    private FakePort Open(FakePort port)
    {
        if (FailNextOpen)
        {
            FailNextOpen = false;
            throw new IOException($"open {port.Name}: EBUSY");
        }
        Opened[port.Name] = port;
        return port;
    }
}
