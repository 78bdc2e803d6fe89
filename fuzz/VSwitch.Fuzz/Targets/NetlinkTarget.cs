using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Ports;
using VSwitch.Fakes;
using VSwitch.Linux.Interfaces;

namespace VSwitch.Fuzz.Targets;

/// <summary>
/// rtnetlink datagrams as the interface monitor receives them (RTM_NEWLINK and RTM_DELLINK), parsed into
/// interface events and handed to a switch with in-memory interfaces, as the daemon's monitor does. The first
/// input byte says which namespace the datagram came from (none: the daemon's own).
/// </summary>
public sealed class NetlinkTarget : IFuzzTarget, IDisposable
{
    private readonly SwitchHarness _switch = new(new FdbLimits(1024, 256), "eth1", "eth2", "veth1");

    public NetlinkTarget()
    {
        var c = _switch.Controller;
        c.AddBond("bond0", ["eth1", "eth2"], "active-backup", null, null, 0, 0);
        c.AddBridge("xenbr0", "bond0");
        c.AddBridge("xapi1", null);
        c.AddTap("xapi1", "tap1", null);
        c.AddInterface("xapi1", "veth1");
    }

    public string Name => "netlink";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        int? nsid = input[0] == 0 ? null : input[0];
        InterfaceMonitor.Parse(input[1..], nsid, _switch.Controller.OnInterfaceEvent);
    }

    public void Dispose() => _switch.Dispose();
}
