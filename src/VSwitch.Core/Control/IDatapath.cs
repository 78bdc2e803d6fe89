using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>The worker threads, as the control plane drives them.</summary>
public interface IDatapath
{
    /// <summary>Makes <paramref name="snapshot"/> the configuration workers switch by, from their next batch
    /// on.</summary>
    void Publish(ForwardingSnapshot snapshot);

    /// <summary>Starts receiving from a port that is already in the published snapshot.</summary>
    void StartReceiving(ushort index, IPort device);

    /// <summary>Stops receiving from a port, then waits until no worker can still be using it, so it can be
    /// closed.</summary>
    void StopReceiving(ushort index, IPort device);

    /// <summary>Stops receiving from many ports with one wait for the workers (a stop: one wait per port adds
    /// up).</summary>
    void StopReceiving(IReadOnlyList<ushort> indexes);

    /// <summary>Whether a worker found a port's interface gone (its health poll said <see
    /// cref="Ports.PortHealth.Gone"/>) since the last <see cref="TakeGone"/>.</summary>
    bool AnyGone { get; }

    /// <summary>The ports found gone since the last call; the workers no longer watch them.</summary>
    IReadOnlyList<ushort> TakeGone();

    /// <summary>Every worker's counters; a port's figure is their sum.</summary>
    IReadOnlyList<PortCounters> Counters { get; }
}
