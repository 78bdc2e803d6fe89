namespace VSwitch.Core.Protocol;

/// <summary>Where vswitchd listens and vswitchctl connects.</summary>
public static class ControlSocketPath
{
    public const string Default = "/run/vswitch/vswitchd.sock";
    public const string EnvironmentVariable = "VSWITCH_SOCKET";

    /// <summary>An explicit path wins, then $VSWITCH_SOCKET, then the default.</summary>
    public static string Resolve(string? explicitPath) =>
        explicitPath ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
            : Default);
}
