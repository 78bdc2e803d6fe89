using System.Runtime.InteropServices;

namespace VSwitch.Linux.Native;

// Plain-field layouts of the batched-I/O structs, so the datapath can fill them in place
// (Tmds.LibC exposes these as properties, which cannot be written through a pointer).

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

/// <summary><c>struct msghdr</c> (56 bytes on 64-bit Linux).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct mmsghdr</c>: one message of recvmmsg/sendmmsg and its byte count.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}

/// <summary><c>struct cmsghdr</c>: the header of one ancillary-data item; the data follows at 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CMsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;

    public const int DataOffset = 16;
}
