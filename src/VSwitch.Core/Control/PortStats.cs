namespace VSwitch.Core.Control;

/// <summary>A port's counters in ifconfig's vocabulary, plus drops by reason.</summary>
public sealed record PortStats(
    string Port,
    string Bridge,
    string Kind,
    long RxPackets,
    long RxBytes,
    long RxDropped,
    long TxPackets,
    long TxBytes,
    long TxDropped,
    long Flooded,
    Dictionary<string, long> DropsByReason);
