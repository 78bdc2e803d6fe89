using VSwitch.Core.Protocol;

namespace VSwitch.Ctl;

/// <summary>Parses vswitchctl's argv into a request: global options, the command, its arguments and
/// --options.</summary>
public sealed record CommandLine(string? Socket, ControlRequest? Request, string? HelpFor, bool Help)
{
    public static CommandLine Parse(string[] args)
    {
        string? socket = null;
        int i = 0;
        for (; i < args.Length && args[i].StartsWith('-'); i++)
        {
            if (args[i] is "--help" or "-h") return new CommandLine(null, null, null, true);
            if (args[i] == "--socket" && i + 1 < args.Length) socket = args[++i];
            else throw new ArgumentException($"unknown option '{args[i]}'");
        }
        if (i == args.Length) return new CommandLine(socket, null, null, true);

        string name = args[i++];
        var spec = CommandCatalog.Find(name)
            ?? throw new ArgumentException($"unknown command '{name}'; vswitchctl --help lists them");
        var request = new ControlRequest { Command = name };
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h") return new CommandLine(socket, null, name, true);
            bool longOption = arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2;
            // Single-letter options (capture's -c and -w, as tcpdump spells them); "-" alone is a value.
            bool shortOption = !longOption && arg.Length == 2 && arg[0] == '-' && spec.Options.ContainsKey(arg[1..]);
            if (longOption || shortOption)
            {
                string option = longOption ? arg[2..] : arg[1..];
                if (!spec.Options.TryGetValue(option, out bool takesValue))
                    throw new ArgumentException($"{name}: unknown option {arg}\nusage: vswitchctl {spec.Usage}");
                if (takesValue)
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"{name}: {arg} needs a value\nusage: " +
                        $"vswitchctl {spec.Usage}");
                    request.Options[option] = args[++i];
                }
                else request.Options[option] = "true";
            }
            else request.Args.Add(arg);
        }
        if (request.Args.Count < spec.MinArgs || request.Args.Count > spec.MaxArgs)
            throw new ArgumentException($"usage: vswitchctl {spec.Usage}");
        return new CommandLine(socket, request, null, false);
    }
}
