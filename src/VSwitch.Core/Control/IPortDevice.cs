using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>An opened port: a TAP or a raw socket. Disposing it closes the descriptor (and removes a TAP the switch created).</summary>
public interface IPortDevice : IFrameSink, IDisposable
{
    string Name { get; }
    PortKind Kind { get; }
    /// <summary>The MAC of the interface behind the port.</summary>
    MacAddress Mac { get; }

    /// <summary>
    /// The interface behind the port was deleted (by hand, or with the namespace it had been moved to)
    /// and only the port's descriptor can tell (a TAP): the port can carry nothing any more. Set by the
    /// datapath; the control thread then detaches the port.
    /// </summary>
    bool Gone => false;

    /// <summary>
    /// The interface's MTU when the port opened (the largest L3 payload of a frame to it); the control
    /// plane follows later changes from link events. Ports without an interface report what their peer takes.
    /// </summary>
    int Mtu => DefaultMtu;

    /// <summary>Where the port's interface is when it opens: the daemon's namespace and its index; null for a port with no interface.</summary>
    InterfacePlace? Place => null;

    /// <summary>
    /// Whether the port's interface is the one named <paramref name="name"/> in namespace <paramref name="ns"/>
    /// now (asked of the port's own descriptor: a TAP may have been moved or renamed). Only a tap port can tell.
    /// </summary>
    bool IsNow(int? ns, string name) => false;

    public const int DefaultMtu = 1500;
}
