using VSwitch.Core.Switching;

namespace VSwitch.Core.Ports;

/// <summary>Where a port counts the frames it loses on the way in: its own drop counters of the receiving
/// worker.</summary>
public readonly struct DropCounter(PortCounters counters, ushort port)
{
    public void Add(DropReason reason, long count = 1) => counters.Drop(port, reason, count);
}
