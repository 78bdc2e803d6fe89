using VSwitch.Core.Control;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Fdb;

/// <summary>One FDB entry as the control plane sees it (showmacs, tests); never used on the hot path.</summary>
public readonly record struct FdbEntry(ushort Domain, MacAddress Mac, ushort Port, bool IsStatic, bool IsLocal,
    long AgeMilliseconds);
