using VSwitch.Core.Control;

namespace VSwitch.Daemon.Formats;

/// <summary>xe-style arguments: every argument is param=value, each param given once.</summary>
public static class XeArguments
{
    public static Dictionary<string, string> Parse(string command, IEnumerable<string> arguments)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string argument in arguments)
        {
            int eq = argument.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ConfigException($"{command}: '{argument}' is not param=value");
            if (!parsed.TryAdd(argument[..eq], argument[(eq
                + 1)..])) throw new ConfigException($"{command}: {argument[..eq]} is given twice");
        }
        return parsed;
    }

    public static string Required(string command, Dictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) && value.Length > 0 ? value
            : throw new ConfigException($"{command}: {name}= is required");

    public static void OnlyKnown(string command, Dictionary<string, string> parameters, params string[] known)
    {
        foreach (var name in parameters.Keys)
            if (!known.Contains(name)) throw new ConfigException($"{command}: unknown parameter '{name}'; it takes " +
                $"{string.Join(", ", known.Select(k => k + "="))}");
    }
}
