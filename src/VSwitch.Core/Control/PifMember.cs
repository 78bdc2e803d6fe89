using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// One member of a PIF: its NIC, or one of a bond's NICs. It has a datapath port index of its own, on which
/// its frames are received and sorted to the bridges on the PIF (<see cref="VlanDemux"/>). Its interface may
/// be absent (missing at start, or vanished since): the member then carries nothing until an interface of
/// its name appears and it binds to it again.
/// </summary>
public sealed class PifMember(string name, ushort index, string uuid)
{
    public string Name { get; } = name;
    /// <summary>The opened interface, which can tag what it sends (checked when it opens); null while absent.</summary>
    public ITaggingPort? Device { get; private set; }
    public bool Present => Device is not null;
    public ushort Index { get; } = index;
    /// <summary>The xe PIF UUID of a bond member.</summary>
    public string Uuid { get; } = uuid;
    /// <summary>The interface's MTU as last reported.</summary>
    public int Mtu { get; set; } = IPort.DefaultMtu;
    /// <summary>Carrier as last reported (IFF_UP and IFF_LOWER_UP).</summary>
    public bool Carrier { get; set; }
    /// <summary>Carrier for longer than updelay, and not down for longer than downdelay: it may carry
    /// traffic.</summary>
    public bool Enabled { get; set; }
    public DateTime LastChange { get; set; } = DateTime.UtcNow;
    /// <summary>Counter values when the member was opened; a reused index starts from zero.</summary>
    public long[] Baseline { get; } = new long[PortCounters.Fields];
    /// <summary>An updelay or downdelay waiting to run out.</summary>
    public Timer? Pending { get; set; }

    /// <summary>Binds the member to its opened interface.</summary>
    public void Attach(ITaggingPort device)
    {
        Device = device;
        Mtu = device.Mtu;
    }

    /// <summary>Lets go of the interface (the caller has stopped receiving from it and disposes it).</summary>
    public ITaggingPort? Detach()
    {
        var device = Device;
        Device = null;
        Carrier = Enabled = false;
        return device;
    }
}
