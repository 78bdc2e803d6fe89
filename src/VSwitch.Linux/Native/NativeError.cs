using Tmds.Linux;

namespace VSwitch.Linux.Native;

/// <summary>Errors from system calls, carrying errno and the operation: "ioctl(TUNSETIFF, vif1.0): EBUSY (Device or
/// resource busy)".</summary>
internal static class NativeError
{
    public static IOException Exception(string operation, int errno) =>
        new NativeIOException($"{operation}: {Name(errno)} ({Describe(errno)})", errno);

    /// <summary>Builds the exception from the errno Tmds.LibC saved for the last call.</summary>
    public static IOException Last(string operation) => Exception(operation, LibC.errno);

    public static string Name(int errno) => errno switch
    {
        1 => "EPERM", 2 => "ENOENT", 4 => "EINTR", 5 => "EIO", 6 => "ENXIO", 9 => "EBADF", 11 => "EAGAIN",
        12 => "ENOMEM", 13 => "EACCES", 16 => "EBUSY", 17 => "EEXIST", 19 => "ENODEV", 22 => "EINVAL",
        24 => "EMFILE", 90 => "EMSGSIZE", 93 => "EPROTONOSUPPORT", 95 => "EOPNOTSUPP", 97 => "EAFNOSUPPORT",
        100 => "ENETDOWN", 105 => "ENOBUFS", _ => $"errno {errno}",
    };

    private static unsafe string Describe(int errno)
    {
        byte* buffer = stackalloc byte[256];
        return LibC.strerror_r(errno, buffer, 256) == 0 ? new string((sbyte*)buffer) : "unknown error";
    }
}

/// <summary>An I/O error from a system call, with its errno for callers that branch on it.</summary>
public sealed class NativeIOException(string message, int errno) : IOException(message)
{
    public int Errno { get; } = errno;
}
