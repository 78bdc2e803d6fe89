namespace VSwitch.Core.Control;

/// <summary>The MTUs a stream port may be given: IPv4's minimum to the largest frame a stream carries.</summary>
public static class PortMtu
{
    public const int Min = 68;
    public const int Max = 65535 - 14 - 4;

    public static int Validate(string port, int mtu) =>
        mtu is >= Min and <= Max ? mtu : throw new ConfigException($"{port}: MTU {mtu} is out of range ({Min}–{Max})");
}
