namespace VSwitch.Core.Control;

/// <summary>
/// A port's (or, with Kind "bridge", a whole bridge's) counters in ifconfig's vocabulary, plus drops by
/// reason. RX errors are malformed frames; RX dropped are frames refused by policy; TX dropped found no
/// room at the destination (or exceeded its MTU); TX errors were refused by the kernel. Mtu is what the switch
/// holds frames to the port against (its interface's, as last reported); none for a bridge's totals.
/// LearningRefused counts source MACs not learned because the port was at MacLimit, its learned-MAC limit
/// (the FDB's per-port default when none was set).
/// </summary>
public sealed record PortStats(
    string Port,
    string Bridge,
    string Kind,
    long RxPackets,
    long RxBytes,
    long RxErrors,
    long RxDropped,
    long TxPackets,
    long TxBytes,
    long TxErrors,
    long TxDropped,
    long Flooded,
    Dictionary<string, long> DropsByReason,
    int? Mtu = null,
    long LearningRefused = 0,
    int? MacLimit = null);
