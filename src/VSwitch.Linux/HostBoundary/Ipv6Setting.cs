namespace VSwitch.Linux.HostBoundary;

/// <summary>
/// An interface's net.ipv6.conf.IF.disable_ipv6, in the daemon's namespace. With IPv6 on, the host gives a
/// port interface a link-local address and sends from it by itself (duplicate address detection, router
/// solicitations, MLD reports) with the interface's own MAC, which no guest owns: the kernel bridge's
/// ports are quiet because nothing runs IPv6 on them, and this makes ours so.
/// </summary>
internal static class Ipv6Setting
{
    private static string PathOf(string device) => $"/proc/sys/net/ipv6/conf/{device}/disable_ipv6";

    /// <summary>Whether IPv6 is disabled on the interface; null when the kernel has no IPv6 (or no such
    /// interface).</summary>
    public static bool? IsDisabled(string device)
    {
        try
        {
            return File.ReadAllText(PathOf(device)).Trim() != "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Sets it, if the interface (and IPv6) is there; false otherwise.</summary>
    public static bool Set(string device, bool disabled)
    {
        try
        {
            File.WriteAllText(PathOf(device), disabled ? "1" : "0");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
