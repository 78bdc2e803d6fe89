using System.Runtime.CompilerServices;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Switching;

/// <summary>
/// A bridge's uplink port: its share of a PIF, named eth1 (the untagged network) or eth1.5 (VLAN 5). It
/// receives nothing itself (the PIF's members receive, and their frames are sorted to it by VLAN) and
/// sends through the members that carry traffic now, pushing the bridge's tag for a VLAN network. One
/// member for a plain NIC or an active-backup bond; for balance-slb, each frame goes to the member its
/// source MAC hashes to, so one guest's frames stay on one link (in order) and the upstream switch sees
/// each MAC on one port only.
/// <para>
/// The carrying members are replaced by the control thread at each publish (release) and read once per
/// transmit by any worker (acquire): a failover takes effect from the next batch.
/// </para>
/// </summary>
public sealed class UplinkPort(string name, MacAddress mac, int vlan) : IPort
{
    /// <summary>The buckets a source MAC hashes to; each maps to a member, as OVS's bond does (it has 256
    /// too).</summary>
    public const int Buckets = 256;

    private sealed record Carrying(ITaggingPort[] Members, bool Balance);

    private Carrying _carrying = new([], false);

    public string Name { get; } = name;
    public PortKind Kind => PortKind.Raw;
    public MacAddress Mac { get; } = mac;
    /// <summary>The control plane holds frames to the uplink against its PIF's smallest member MTU.</summary>
    public int Mtu => IPort.DefaultMtu;
    /// <summary>The VLAN the bridge carries on its PIF; 0 for the untagged network.</summary>
    public int Vlan { get; } = vlan;

    /// <summary>The members carrying traffic now, in the order balance-slb hashes over.</summary>
    public IReadOnlyList<ITaggingPort> Members => Volatile.Read(ref _carrying).Members;

    /// <summary>From the next transmit on, sends through <paramref name="members"/> (balance-slb: hashed over them
    /// all).</summary>
    public void Carry(ITaggingPort[] members, bool balance) => Volatile.Write(ref _carrying, new Carrying(members,
        balance));

    /// <summary>Which of <paramref name="memberCount"/> members a balance-slb bond sends <paramref name="source"/>'s
    /// frames on.</summary>
    public static int MemberFor(MacAddress source, int memberCount) => Bucket(source) % memberCount;

    public static int Bucket(MacAddress source)
    {
        // The three low bytes vary most between guests (the vendor prefix is shared); fold them in.
        ulong v = source.Value;
        return (int)((v ^ (v >> 8) ^ (v >> 16) ^ (v >> 24)) & (Buckets - 1));
    }

    /// <summary>Frames come in through the PIF's members, never here.</summary>
    public int Receive(PacketBatch batch, DropCounter drops) => 0;

    public PortHealth Poll() => PortHealth.Ok;

    [SkipLocalsInit]
    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        var carrying = Volatile.Read(ref _carrying);
        var members = carrying.Members;
        if (members.Length == 0) return TxResult.NoneSent(packets.Length); // every member down or absent
        if (!carrying.Balance || members.Length == 1) return Send(members[0], batch, packets);

        Span<int> mine = stackalloc int[packets.Length];
        var result = default(TxResult);
        for (int member = 0; member < members.Length; member++)
        {
            int count = 0;
            foreach (int packet in packets)
                if (MemberFor(MacAddress.Read(batch.Frame(packet)[MacAddress.Length..]),
                    members.Length) == member) mine[count++] = packet;
            if (count > 0) result += Send(members[member], batch, mine[..count]);
        }
        return result;
    }

    private TxResult Send(ITaggingPort member, PacketBatch batch, ReadOnlySpan<int> packets) =>
        Vlan == 0 ? member.Transmit(batch, packets) : member.TransmitTagged(batch, packets, Vlan);

    /// <summary>Owns nothing: the PIF owns its members.</summary>
    public void Dispose() { }
}
