using System.Globalization;
using System.Text.RegularExpressions;

namespace VSwitch.Core.Control;

/// <summary>Rules for names that become Linux interface names.</summary>
public static partial class Names
{
    /// <summary>IFNAMSIZ is 16 bytes including the terminating NUL.</summary>
    public const int MaxInterfaceName = 15;

    /// <summary>
    /// Throws a <see cref="ConfigException"/> naming <paramref name="what"/> unless the kernel would take the
    /// name byte for byte (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':' or whitespace. Only
    /// printable ASCII is accepted: anything else is several bytes in UTF-8, or none the kernel would keep
    /// as given, so two names that differ here could name one interface there.
    /// </summary>
    public static void ValidateInterface(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
            throw new ConfigException($"{what}: a name is required");
        foreach (char c in name)
        {
            if (c is < '!' or > '~')
                throw new ConfigException($"{what} '{Printable(name)}': interface names are printable ASCII " +
                    $"(letters, digits and punctuation), without {Describe(c)}");
            if (c is '/' or ':')
                throw new ConfigException($"{what} '{name}': interface names may not contain '/' or ':'");
        }
        if (name.Length > MaxInterfaceName)
            throw new ConfigException($"{what} '{name}': interface names are at most {MaxInterfaceName} bytes " +
                $"(this one has {name.Length})");
        if (name is "." or "..")
            throw new ConfigException($"{what} '{name}': not a valid interface name");
    }

    private static string Describe(char c) =>
        char.IsWhiteSpace(c) ? "whitespace" : char.IsControl(c) ? $"control characters (U+{(int)c:X4})"
            : $"'{c}' (U+{(int)c:X4})";

    /// <summary>The name with control characters escaped, so an error message cannot break the line it is
    /// on.</summary>
    private static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

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
