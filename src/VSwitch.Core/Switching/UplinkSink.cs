using System.Runtime.CompilerServices;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The transmit side of a bridge's uplink port: sends through the PIF's links that carry traffic in this
/// snapshot, with the bridge's VLAN tag pushed when it is a VLAN network. One link for a plain NIC or an
/// active-backup bond; for balance-slb, each frame goes to the link its source MAC hashes to, so one
/// guest's frames stay on one link (in order) and the upstream switch sees each MAC on one port only.
/// Immutable: a failover publishes a new snapshot with a new sink.
/// </summary>
public sealed class UplinkSink(IUplinkMember[] links, int vlan, bool balance) : IFrameSink
{
    /// <summary>The buckets a source MAC hashes to; each maps to a link, as OVS's bond does (it has 256 too).</summary>
    public const int Buckets = 256;

    public int Vlan { get; } = vlan;
    public IReadOnlyList<IUplinkMember> Links => links;

    /// <summary>Which of <paramref name="linkCount"/> links a balance-slb bond sends <paramref name="source"/>'s frames on.</summary>
    public static int LinkFor(MacAddress source, int linkCount) => Bucket(source) % linkCount;

    public static int Bucket(MacAddress source)
    {
        // The three low bytes vary most between guests (the vendor prefix is shared); fold them in.
        ulong v = source.Value;
        return (int)((v ^ (v >> 8) ^ (v >> 16) ^ (v >> 24)) & (Buckets - 1));
    }

    [SkipLocalsInit]
    public int Transmit(PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors)
    {
        frameBytes = 0;
        errors = 0;
        if (links.Length == 0) return 0; // every link down: counted as no room
        if (!balance || links.Length == 1) return Send(links[0], batch, packets, out frameBytes, out errors);

        Span<int> mine = stackalloc int[packets.Length];
        int sent = 0;
        for (int link = 0; link < links.Length; link++)
        {
            int count = 0;
            foreach (int packet in packets)
                if (LinkFor(MacAddress.Read(batch.Frame(packet)[MacAddress.Length..]), links.Length) == link) mine[count++] = packet;
            if (count == 0) continue;
            sent += Send(links[link], batch, mine[..count], out long bytes, out int failed);
            frameBytes += bytes;
            errors += failed;
        }
        return sent;
    }

    private int Send(IUplinkMember link, PacketBatch batch, ReadOnlySpan<int> packets, out long frameBytes, out int errors) =>
        Vlan == 0 ? link.Transmit(batch, packets, out frameBytes, out errors) : link.TransmitTagged(batch, packets, Vlan, out frameBytes, out errors);
}
