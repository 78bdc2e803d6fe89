using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Tests;

/// <summary>An in-memory port: records a copy of every frame sent to it, as it would be on the wire.</summary>
internal sealed class FakePort(string name, PortKind kind = PortKind.Tap, MacAddress? mac = null)
    : ITaggingPort, IStreamEndpoint, IInterfacePort
{
    /// <summary>For stream ports: where the socket would be.</summary>
    public string SocketPath { get; init; } = "";
    public string Name { get; } = name;
    public PortKind Kind { get; } = kind;
    public MacAddress Mac { get; } = mac ?? MacAddress.RandomLocal();
    public List<byte[]> Sent { get; } = [];
    /// <summary>The offload record of each frame sent, in the order of <see cref="Sent"/>.</summary>
    public List<PacketOffload> SentOffloads { get; } = [];
    public bool Disposed { get; private set; }
    /// <summary>When set, every transmit is refused (a full queue).</summary>
    public bool Refuse { get; set; }
    public int Mtu { get; set; } = IPort.DefaultMtu;
    private static int _indexes = 100;
    /// <summary>Where the interface is, as a link event would report it: the daemon's namespace, under an index of its
    /// own.</summary>
    public InterfacePlace Place { get; set; } = new(null, Interlocked.Increment(ref _indexes));
    /// <summary>Where a TAP is now, as its descriptor would say (IsNow).</summary>
    public (int? Namespace, string Name)? Now { get; set; }
    public bool IsNow(int? ns, string name) => Now == (ns, name);

    public int Receive(PacketBatch batch, DropCounter drops) => 0;

    public PortHealth Poll() => PortHealth.Ok;

    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        if (Refuse) return TxResult.NoneSent(packets.Length);
        var tally = new TxTally();
        foreach (int p in packets)
        {
            Sent.Add(batch.Frame(p).ToArray());
            SentOffloads.Add(batch.Offload(p));
            tally.Delivered(batch.Frame(p).Length);
        }
        return tally.Of(packets.Length);
    }

    /// <summary>Records the frame as it would be on the wire: the 802.1Q tag after the MAC addresses.</summary>
    public TxResult TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan)
    {
        if (Refuse) return TxResult.NoneSent(packets.Length);
        var tally = new TxTally();
        foreach (int p in packets)
        {
            var frame = batch.Frame(p);
            ushort tci = VlanPush.OuterTci(frame, vlan, batch.Priority(p));
            var wire = new byte[frame.Length + VlanTag.Length];
            frame[..12].CopyTo(wire);
            wire[12] = 0x81; wire[13] = 0x00; wire[14] = (byte)(tci >> 8); wire[15] = (byte)tci;
            frame[12..].CopyTo(wire.AsSpan(16));
            Sent.Add(wire);
            SentOffloads.Add(batch.Offload(p));
            tally.Delivered(wire.Length);
        }
        return tally.Of(packets.Length);
    }

    public void Dispose() => Disposed = true;
}

internal sealed class FakePortFactory : IPortFactory
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

    public bool InterfaceExists(string name) => Existing.ContainsKey(name) || Opened.ContainsKey(name)
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

internal sealed class FakeDatapath : IDatapath
{
    private readonly List<ushort> _gone = [];

    /// <summary>As a worker does when a port's health poll says the interface is gone.</summary>
    public void ReportGone(ushort index) => _gone.Add(index);
    public bool AnyGone => _gone.Count > 0;
    public IReadOnlyList<ushort> TakeGone()
    {
        var gone = _gone.ToList();
        _gone.Clear();
        return gone;
    }

    public ForwardingSnapshot Snapshot { get; private set; } = ForwardingSnapshot.Empty;
    public HashSet<ushort> Receiving { get; } = [];
    public IReadOnlyList<PortCounters> Counters { get; } = [new PortCounters()];

    public void Publish(ForwardingSnapshot snapshot) => Snapshot = snapshot;
    public void StartReceiving(ushort index, IPort device) => Assert.True(Receiving.Add(index));
    public void StopReceiving(ushort index, IPort device) => Assert.True(Receiving.Remove(index));
    public void StopReceiving(IReadOnlyList<ushort> indexes)
    {
        foreach (ushort index in indexes) Assert.True(Receiving.Remove(index));
    }
}

/// <summary>Link events as the link monitor reports them, for the interfaces of fake ports.</summary>
internal static class InterfaceEvents
{
    public static InterfaceEvent Up(FakePort port, int? mtu = null) => new(false, port.Name, port.Place.Index, true,
        true, mtu ?? port.Mtu);
    public static InterfaceEvent Down(FakePort port) => new(false, port.Name, port.Place.Index, false, false, port.Mtu);
    public static InterfaceEvent Deleted(FakePort port, InterfacePlace? movedTo = null) =>
        new(true, port.Name, port.Place.Index, false, false, port.Mtu, null, movedTo);
    /// <summary>An interface of that name (a new one, with a new index) appeared in the daemon's namespace.</summary>
    public static InterfaceEvent Appeared(string name, int index) => new(false, name, index, true, true,
        IPort.DefaultMtu);
}
