using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Fakes;

/// <summary>Link events as the link monitor reports them, for the interfaces of fake ports.</summary>
public static class InterfaceEvents
{
    public static InterfaceEvent Up(FakePort port, int? mtu = null) => new(false, port.Name, port.Place.Index, true,
        true, mtu ?? port.Mtu);
    public static InterfaceEvent Down(FakePort port) => new(false, port.Name, port.Place.Index, false, false, port.Mtu);
    public static InterfaceEvent Deleted(FakePort port, InterfacePlace? movedTo = null) =>
        new(true, port.Name, port.Place.Index, false, false, port.Mtu, null, movedTo);
    /// <summary>An interface of that name (a new one, with a new index) appeared in the daemon's namespace.</summary>
    public static InterfaceEvent Appeared(string name, int index) => new(false, name, index, true, true,
        IPort.DefaultMtu);
}
