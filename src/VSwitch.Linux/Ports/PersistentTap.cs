using System.Globalization;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// Creates a TAP that outlives its creator (TUNSETPERSIST), for QEMU to open by name. Its kernel side is
/// a switch port, so it gets XenServer's VIF host-side MAC (FE:FF:FF:FF:FF:FF): the guest's MAC is given
/// to QEMU, never to the TAP. Single-queue and IFF_NO_PI, which is what QEMU's -netdev tap asks for.
/// </summary>
public static unsafe class PersistentTap
{
    public static void Create(string name, string? owner)
    {
        uint? uid = owner is null ? null : ResolveUser(owner);
        var path = "/dev/net/tun"u8;
        int fd;
        fixed (byte* p = path) fd = open(p, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) throw NativeError.Last("open(/dev/net/tun)");
        using (var handle = new FileDescriptor(fd))
        {
            var request = IfReq.For(name);
            request.Flags = Sys.IFF_TAP | Sys.IFF_NO_PI | Sys.IFF_VNET_HDR;
            if (ioctl(fd, Sys.TUNSETIFF, &request) < 0) throw NativeError.Last($"ioctl(TUNSETIFF, {name})");
            if (uid is not null && ioctl(fd, Sys.TUNSETOWNER,
                (int)uid.Value) < 0) throw NativeError.Last($"ioctl(TUNSETOWNER, {name})");
            if (ioctl(fd, Sys.TUNSETPERSIST, 1) < 0) throw NativeError.Last($"ioctl(TUNSETPERSIST, {name})");
        }
        try
        {
            NetInterface.SetMac(name, MacAddress.InternalBridge);
            NetInterface.SetUp(name, true);
        }
        catch
        {
            NetlinkLink.Delete(name);
            throw;
        }
    }

    /// <summary>A user name or a numeric uid; an unknown name is refused before anything is created.</summary>
    public static uint ResolveUser(string owner)
    {
        if (uint.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)) return uid;
        if (Users.Uid(owner) is { } found) return found;
        throw new ConfigException($"owner '{owner}': no such user (give a user name from the passwd database or a " +
            $"numeric uid)");
    }
}
