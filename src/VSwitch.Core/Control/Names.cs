namespace VSwitch.Core.Control;

/// <summary>Rules for names that become Linux interface names.</summary>
public static class Names
{
    /// <summary>IFNAMSIZ is 16 including the terminating NUL.</summary>
    public const int MaxInterfaceName = 15;

    /// <summary>Throws a <see cref="ConfigException"/> naming <paramref name="what"/> when the kernel would refuse the name.</summary>
    public static void ValidateInterface(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
            throw new ConfigException($"{what}: a name is required");
        if (name.Length > MaxInterfaceName)
            throw new ConfigException($"{what} '{name}': interface names are at most {MaxInterfaceName} characters (this one has {name.Length})");
        if (name is "." or "..")
            throw new ConfigException($"{what} '{name}': not a valid interface name");
        foreach (char c in name)
        {
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                throw new ConfigException($"{what} '{name}': interface names may not contain '/', ':' or whitespace");
        }
    }
}
