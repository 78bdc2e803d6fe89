using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>Creates and opens port devices; the Linux layer implements it, tests fake it.</summary>
public interface IPortFactory
{
    /// <summary>Creates a TAP owned by the switch, gives its kernel side <paramref name="mac"/>, and sets it up.</summary>
    IPortDevice CreateTap(string name, MacAddress mac);

    /// <summary>Opens an AF_PACKET port on an existing interface, in promiscuous mode, and sets the interface up.</summary>
    IPortDevice OpenRaw(string device);

    bool InterfaceExists(string name);
}
