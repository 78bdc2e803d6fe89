using System.Runtime.InteropServices;

namespace VSwitch.Linux.Native;

/// <summary><c>struct sockaddr_nl</c>: a netlink address (pid 0 is the kernel).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockaddrNl
{
    public ushort Family;
    public ushort Pad;
    public uint Pid;
    public uint Groups;
}
