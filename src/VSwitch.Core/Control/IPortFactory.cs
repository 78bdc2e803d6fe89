using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Control;

/// <summary>Creates, opens and configures the host's interfaces; the Linux layer implements it, tests fake
/// it.</summary>
public interface IPortFactory
{
    /// <summary>Creates a TAP owned by the switch, gives its kernel side <paramref name="mac"/>, and sets it
    /// up.</summary>
    IPort CreateTap(string name, MacAddress mac);

    /// <summary>
    /// Creates a stream port: a Unix socket, named after the port, that one QEMU at a time connects to. With
    /// <paramref name="owner"/> (a user name or uid) the socket belongs to that user, so an unprivileged QEMU can
    /// connect.
    /// </summary>
    IPort CreateStream(string name, MacAddress guestMac, string? owner, int mtu);

    /// <summary>Opens an AF_PACKET port on an existing interface, in promiscuous mode, and sets the interface
    /// up.</summary>
    IPort OpenRaw(string device);

    bool InterfaceExists(string name);

    /// <summary>The interface's index in the switch's namespace, 0 when there is none: one interface may go
    /// by several names (altnames), its index by one.</summary>
    int InterfaceIndex(string name);

    /// <summary>Whether the interface is up with carrier (IFF_UP and IFF_RUNNING): a bond member's link state when
    /// polled.</summary>
    bool LinkRunning(string name);

    /// <summary>Whether the interface has an IPv4 address (a bond member may not).</summary>
    bool HasIpv4Address(string name);

    /// <summary>
    /// Creates a persistent TAP for QEMU to open (owned by <paramref name="owner"/>, a user name or uid, when
    /// given) and sets it up. It stays after the switch closes it or exits. An unknown owner is a <see
    /// cref="ConfigException"/>.
    /// </summary>
    void CreatePersistentTap(string name, string? owner);

    /// <summary>Deletes an interface (a persistent TAP), even while a process holds it open.</summary>
    void DeleteInterface(string name);

    /// <summary>
    /// Closes many ports at once, as the daemon does when it stops: the switch's own TAPs are removed
    /// together, which the kernel does far faster than one by one.
    /// </summary>
    void CloseAll(IReadOnlyList<IPort> devices);

    /// <summary>Puts <paramref name="address"/> on interface <paramref name="name"/> (replacing its IPv4 address), or
    /// removes it when null.</summary>
    void SetAddress(string name, ManagementAddress? address);
}
