using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace VSwitch.Linux.Native;

/// <summary>Owns exactly one file descriptor and closes it once.</summary>
internal sealed class FileDescriptor : SafeHandleZeroOrMinusOneIsInvalid
{
    public FileDescriptor(int fd) : base(ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
