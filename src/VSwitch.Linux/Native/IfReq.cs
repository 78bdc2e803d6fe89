using System.Runtime.InteropServices;
using System.Text;

namespace VSwitch.Linux.Native;

/// <summary><c>struct ifreq</c> (40 bytes): an interface name and a union of flags, index or hardware
/// address.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct IfReq
{
    [FieldOffset(0)] public fixed byte Name[16];
    [FieldOffset(16)] public short Flags;
    [FieldOffset(16)] public int Index;
    [FieldOffset(16)] public ushort HwFamily;
    [FieldOffset(18)] public fixed byte HwAddress[14];
    /// <summary>sockaddr_in's address (its family is <see cref="HwFamily"/>'s slot, its port the two bytes
    /// before).</summary>
    [FieldOffset(20)] public uint Ipv4;

    /// <summary>An interface name as the kernel writes it (ifr_name, or an IFLA_IFNAME attribute): ASCII up to the
    /// first NUL.</summary>
    public static string NameOf(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    public static IfReq For(string name)
    {
        var request = new IfReq();
        InterfaceNameBytes.Write(name, new Span<byte>(request.Name, 16));
        return request;
    }
}
