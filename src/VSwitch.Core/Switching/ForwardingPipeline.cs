using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The frame path of one worker, batch by batch: receive batch → <see cref="Ingress"/> (parse, learn) →
/// <see cref="Forwarding"/> (look up, queue per destination) → transmit batch. One instance per worker
/// thread; it owns its scratch queues and counters, so nothing here is shared with other workers except
/// the lock-free FDB. It allocates nothing per frame and takes no lock.
/// </summary>
public sealed class ForwardingPipeline
{
    private readonly Ingress _ingress;
    private readonly Forwarding _forwarding;

    /// <param name="worker">This pipeline's worker number: which ring of a capture it writes to.</param>
    /// <param name="addresses">Where guests' ARP-claimed addresses are noted, for bond failover announcements.</param>
    public ForwardingPipeline(ForwardingDatabase fdb, int batchCapacity, PortCounters? counters = null, int worker = 0,
        GuestAddresses? addresses = null)
    {
        Counters = counters ?? new PortCounters();
        _ingress = new Ingress(fdb, Counters, addresses, worker);
        _forwarding = new Forwarding(fdb, Counters, batchCapacity, worker);
    }

    public PortCounters Counters { get; }

    /// <summary>The ports the last processed batch was transmitted to.</summary>
    public ReadOnlySpan<ushort> LastEgress => _forwarding.LastEgress;

    /// <summary>Switches every packet of <paramref name="batch"/>, received on port <paramref
    /// name="ingress"/>.</summary>
    public void Process(ForwardingSnapshot snapshot, ushort ingress, PacketBatch batch, long nowMs)
    {
        if (snapshot.Port(ingress) is not { } inPort)
        {
            _forwarding.Discard(); // removed while the batch was being read: nothing is sent
            return;
        }
        Counters.EnsureCapacity(snapshot.Ports.Length);
        _ingress.Receive(snapshot, inPort, batch, nowMs, _forwarding);
        _forwarding.Transmit(snapshot, batch);
    }
}
