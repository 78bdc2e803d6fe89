namespace VSwitch.Core.Control;

/// <summary>
/// XenServer's VIF locking: what a guest port may send. The network's default-locking-mode is
/// <see cref="Unlocked"/> or <see cref="Disabled"/>; a port follows it with <see cref="NetworkDefault"/>.
/// </summary>
public enum LockingMode
{
    /// <summary>The network's default-locking-mode decides.</summary>
    NetworkDefault,
    /// <summary>Only frames from the port's MAC and its allowed addresses (and DHCP) go through.</summary>
    Locked,
    /// <summary>Anything goes.</summary>
    Unlocked,
    /// <summary>Nothing goes, from the port or to it.</summary>
    Disabled,
}

/// <summary>The names xe gives the modes.</summary>
public static class LockingModeNames
{
    public static string Of(LockingMode mode) => mode switch
    {
        LockingMode.NetworkDefault => "network_default",
        LockingMode.Locked => "locked",
        LockingMode.Unlocked => "unlocked",
        _ => "disabled",
    };

    public static LockingMode Parse(string text) => text switch
    {
        "network_default" => LockingMode.NetworkDefault,
        "locked" => LockingMode.Locked,
        "unlocked" => LockingMode.Unlocked,
        "disabled" => LockingMode.Disabled,
        _ => throw new ConfigException(
            $"locking-mode '{text}' is not one of network_default, locked, unlocked, disabled"),
    };

    /// <summary>A network's default-locking-mode: unlocked or disabled, as on XenServer.</summary>
    public static LockingMode ParseNetworkDefault(string text) => text switch
    {
        "unlocked" => LockingMode.Unlocked,
        "disabled" => LockingMode.Disabled,
        _ => throw new ConfigException($"default-locking-mode '{text}' is not one of unlocked, disabled"),
    };
}
