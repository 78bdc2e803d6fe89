using VSwitch.Core.Frames;

namespace VSwitch.Daemon.Formats;

/// <summary>The QEMU command-line fragment that attaches a guest to a VIF.</summary>
public static class QemuArguments
{
    /// <summary>
    /// script=no and downscript=no because the TAP already exists and is attached; QEMU only opens it.
    /// The netdev id is the VIF's name, which QEMU accepts (letters, digits, '.', '-', '_').
    /// </summary>
    public static string ForTap(string vif, MacAddress guestMac) =>
        $"-netdev tap,id={vif},ifname={vif},script=no,downscript=no -device virtio-net-pci,netdev={vif},mac={guestMac}";

    /// <summary>server=off: vswitchd listens, QEMU connects (QEMU 7.2 and later).</summary>
    public static string ForStream(string port, string socketPath, MacAddress guestMac) =>
        $"-netdev stream,id={port},server=off,addr.type=unix,addr.path={socketPath} -device " +
            $"virtio-net-pci,netdev={port},mac={guestMac}";
}
