namespace VSwitch.Linux.Native;

/// <summary>Sorts a failed send into ifconfig's "TX dropped" (no room, no link) or "TX errors" (frame
/// refused).</summary>
internal static class TransmitErrno
{
    private const int EIO = 5, ENXIO = 6, EAGAIN = 11, ENETDOWN = 100, ENOBUFS = 105;

    public static bool IsNoRoom(int errno) => errno is EAGAIN or ENOBUFS or ENETDOWN or EIO or ENXIO;
}
