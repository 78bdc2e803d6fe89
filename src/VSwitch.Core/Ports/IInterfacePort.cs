namespace VSwitch.Core.Ports;

/// <summary>A port with a kernel interface behind it, which link events report on.</summary>
public interface IInterfacePort
{
    /// <summary>Where the interface was when the port opened: the daemon's namespace, and its index there.</summary>
    InterfacePlace Place { get; }

    /// <summary>
    /// Whether the interface is the one named <paramref name="name"/> in namespace <paramref name="ns"/> now,
    /// asked of the port's own descriptor: a TAP may have been moved or renamed. Only a tap port can tell.
    /// </summary>
    bool IsNow(int? ns, string name) => false;
}
