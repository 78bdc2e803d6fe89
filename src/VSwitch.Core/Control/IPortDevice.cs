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
}
