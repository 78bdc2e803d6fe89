using VSwitch.Core.Frames;

namespace VSwitch.Core.Ports;

/// <summary>
/// A port of the switch, as the datapath drives it: it receives frames into a batch and transmits a batch,
/// in the spirit of Snabb's pull and push and of Open vSwitch's netdev provider. What only some ports can
/// do is a capability of its own: <see cref="ITaggingPort"/>, <see cref="IKernelDropCounter"/>,
/// <see cref="IInterfacePort"/>, <see cref="IStreamEndpoint"/>.
/// <para>
/// Threads: <see cref="Receive"/> and <see cref="Poll"/> are called by one worker at a time (the one
/// holding the port's receive claim); <see cref="Transmit"/> by any worker, several at once, so it takes
/// no lock (one system call per batch on a descriptor is safe). Disposing happens on the control thread
/// once no worker can be using the port.
/// </para>
/// </summary>
public interface IPort : IDisposable
{
    string Name { get; }
    PortKind Kind { get; }
    /// <summary>The MAC of the interface behind the port (a stream port: its guest's).</summary>
    MacAddress Mac { get; }

    /// <summary>
    /// The largest L3 payload a frame sent out of the port may carry, when it opened; the control plane
    /// follows later changes of the interface's MTU from its events.
    /// </summary>
    int Mtu { get; }

    /// <summary>
    /// Fills <paramref name="batch"/> with up to its capacity of frames, each with its offload record,
    /// without blocking; returns how many. Frames lost on the way in are counted in <paramref name="drops"/>.
    /// </summary>
    int Receive(PacketBatch batch, DropCounter drops);

    /// <summary>Sends the <paramref name="packets"/> of <paramref name="batch"/>; the batch is not modified.</summary>
    TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets);

    /// <summary>
    /// The port's descriptor reported an error (EPOLLERR): what it was. <see cref="PortHealth.Cleared"/>
    /// when an error was pending and is taken now, <see cref="PortHealth.Gone"/> when the interface is gone
    /// for good (nothing more to read: stop watching it).
    /// </summary>
    PortHealth Poll();

    public const int DefaultMtu = 1500;
}
