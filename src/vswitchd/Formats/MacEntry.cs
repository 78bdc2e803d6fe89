using VSwitch.Core.Control;

namespace VSwitch.Daemon.Formats;

/// <summary>One entry of `showmacs --json`; AgeingTimer is in seconds.</summary>
public sealed record MacEntry(int PortNumber, string Port, string Mac, bool IsLocal, bool IsStatic, double AgeingTimer);
