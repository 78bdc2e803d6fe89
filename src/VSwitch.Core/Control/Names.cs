using System.Globalization;
using System.Text.RegularExpressions;

namespace VSwitch.Core.Control;

/// <summary>Rules for names that become Linux interface names.</summary>
public static partial class Names
{
    /// <summary>IFNAMSIZ is 16 including the terminating NUL.</summary>
    public const int MaxInterfaceName = 15;

    /// <summary>Throws a <see cref="ConfigException"/> naming <paramref name="what"/> when the kernel would refuse the
    /// name.</summary>
    public static void ValidateInterface(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
            throw new ConfigException($"{what}: a name is required");
        if (name.Length > MaxInterfaceName)
            throw new ConfigException($"{what} '{name}': interface names are at most {MaxInterfaceName} characters " +
                $"(this one has {name.Length})");
        if (name is "." or "..")
            throw new ConfigException($"{what} '{name}': not a valid interface name");
        foreach (char c in name)
        {
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                throw new ConfigException($"{what} '{name}': interface names may not contain '/', ':' or whitespace");
        }
    }

    /// <summary>VIFs are named as XenServer names them: vif&lt;domid&gt;.&lt;device index&gt;.</summary>
    public static void ValidateVif(string name)
    {
        ValidateInterface(name, "VIF");
        if (VifDomain(name) is null)
            throw new ConfigException($"VIF '{name}': VIFs are named vif<domid>.<n> as on XenServer, for example " +
                $"vif3.0 for domain 3's first interface");
    }

    /// <summary>The domid in a vif&lt;domid&gt;.&lt;n&gt; name, or null for other names.</summary>
    public static int? VifDomain(string name)
    {
        var match = VifName().Match(name);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture,
            out int domid) ? domid : null;
    }

    [GeneratedRegex(@"^vif([0-9]{1,5})\.([0-9]{1,3})$")]
    private static partial Regex VifName();
}
