using System.Runtime.InteropServices;
using VSwitch.Core.Control;

namespace VSwitch.Core.Fdb;

/// <summary>
/// One 16-byte slot of the open-addressing table. Key: domain (16 bits) and MAC (48 bits); 0 is empty.
/// Value: last-seen milliseconds (40 bits), flags (8 bits), port (16 bits); 0 means "no entry here".
/// A claimed key is never cleared (only a rebuild drops it), which keeps probing lock-free: two
/// writers racing for the same key both end at the same slot.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FdbSlot
{
    public ulong Key;
    public ulong Value;

    public const byte FlagStatic = 1;
    public const byte FlagLocal = 2;

    public static ulong PackKey(ushort domain, ulong mac) => ((ulong)domain << 48) | mac;
    public static ulong PackValue(long lastSeenMs, byte flags, ushort port) =>
        ((ulong)lastSeenMs << 24) | ((ulong)flags << 16) | port;

    public static ushort Domain(ulong key) => (ushort)(key >> 48);
    public static ulong Mac(ulong key) => key & 0xFFFF_FFFF_FFFFUL;
    public static ushort Port(ulong value) => (ushort)value;
    public static byte Flags(ulong value) => (byte)(value >> 16);
    public static long LastSeen(ulong value) => (long)(value >> 24);
    public static bool IsStatic(ulong value) => (Flags(value) & FlagStatic) != 0;
}
