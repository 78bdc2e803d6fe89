using VSwitch.Core.Control;

namespace VSwitch.Daemon.Formats;

/// <summary>One bridge of `show --json`.</summary>
public sealed record ShowEntry(string Bridge, string BridgeId, bool Stp, string? Pif, List<string> Interfaces,
    List<string> Absent);
