using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Fakes;

/// <summary>An in-memory port: records a copy of every frame sent to it, as it would be on the wire.</summary>
public sealed class FakePort(string name, PortKind kind = PortKind.Tap, MacAddress? mac = null)
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
