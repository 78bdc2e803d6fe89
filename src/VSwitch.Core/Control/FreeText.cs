namespace VSwitch.Core.Control;

/// <summary>
/// Bounds on the free text an operator may store (name-label, other-config): each is written to the
/// configuration on every change and shown by every listing, so one unbounded value would swell both.
/// </summary>
public static class FreeText
{
    public const int MaxLabel = 255;
    public const int MaxKey = 255;
    public const int MaxValue = 4096;
    /// <summary>other-config entries on one object.</summary>
    public const int MaxEntries = 64;

    public static void Check(string what, string value, int max)
    {
        if (value.Length > max)
            throw new ConfigException($"{what} is {value.Length} characters long; at most {max} are kept");
        if (value.Any(char.IsControl))
            throw new ConfigException($"{what} may not contain control characters (newlines, tabs)");
    }
}
