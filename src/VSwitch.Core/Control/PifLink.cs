using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// One physical link under a PIF: the NIC itself, or one member of a bond. It has a datapath port index
/// of its own, on which its frames are received and demultiplexed to the bridges on the PIF.
/// </summary>
public sealed class PifLink(string name, IPortDevice device, ushort index, string uuid)
{
    public string Name { get; } = name;
    public IPortDevice Device { get; } = device;
    /// <summary>The same device, as the uplinks send through it (checked when the link is opened).</summary>
    public IUplinkMember Member { get; } = (IUplinkMember)device;
    public ushort Index { get; } = index;
    /// <summary>The xe PIF UUID of a bond member.</summary>
    public string Uuid { get; } = uuid;
    /// <summary>Carrier as last reported (IFF_UP and IFF_LOWER_UP).</summary>
    public bool Carrier { get; set; }
    /// <summary>Carrier for longer than updelay, and not down for longer than downdelay: it may carry traffic.</summary>
    public bool Enabled { get; set; }
    public DateTime LastChange { get; set; } = DateTime.UtcNow;
    /// <summary>Counter values when the link was opened; a reused index starts from zero.</summary>
    public long[] Baseline { get; } = new long[PortCounters.Fields];
    /// <summary>An updelay or downdelay waiting to run out.</summary>
    public Timer? Pending { get; set; }
}
