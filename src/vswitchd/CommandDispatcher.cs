using System.Globalization;
using System.Text.Json;
using VSwitch.Core.Control;
using VSwitch.Core.Protocol;

namespace VSwitch.Daemon;

/// <summary>Turns one <see cref="ControlRequest"/> into a controller call and its printed answer.</summary>
public sealed class CommandDispatcher(SwitchController controller)
{
    public ControlResponse Execute(ControlRequest request)
    {
        try
        {
            var spec = CommandCatalog.Find(request.Command) ?? throw new ConfigException($"unknown command '{request.Command}' (vswitchctl --help lists them)");
            Check(spec, request);
            return ControlResponse.Success(Run(request));
        }
        catch (ConfigException e)
        {
            return ControlResponse.Failure(e.Message);
        }
        catch (IOException e)
        {
            return ControlResponse.Failure(e.Message);
        }
    }

    private static void Check(CommandSpec spec, ControlRequest request)
    {
        if (request.Args.Count < spec.MinArgs || request.Args.Count > spec.MaxArgs)
            throw new ConfigException($"usage: vswitchctl {spec.Usage}");
        foreach (var option in request.Options.Keys)
            if (!spec.Options.ContainsKey(option)) throw new ConfigException($"{spec.Name}: unknown option --{option} (usage: vswitchctl {spec.Usage})");
    }

    private string Run(ControlRequest request)
    {
        var a = request.Args;
        string? Option(string name) => request.Options.TryGetValue(name, out var v) ? v : null;
        switch (request.Command)
        {
            case "addbr":
                controller.AddBridge(a[0], Option("pif"));
                return "";
            case "delbr":
                controller.DeleteBridge(a[0], Option("force") is not null);
                return "";
            case "addif":
                controller.AddInterface(a[0], a[1]);
                return "";
            case "delif":
                controller.DeleteInterface(a[0], a[1]);
                return "";
            case "addtap":
                var mac = controller.AddTap(a[0], a[1], Option("mac"));
                return $"{a[1]} {mac}\n";
            case "show":
                return BrctlFormat.Show(a.Count == 0 ? controller.Bridges() : [controller.Bridge(a[0])]);
            case "showmacs":
                var bridge = controller.Bridge(a[0]);
                return BrctlFormat.ShowMacs(bridge, controller.Fdb.Entries(SwitchController.NowMilliseconds, bridge.Domain));
            case "setageing":
                if (!int.TryParse(a[1], NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
                    throw new ConfigException($"setageing: '{a[1]}' is not a whole number of seconds");
                controller.SetAgeing(a[0], seconds);
                return "";
            case "stats":
                var stats = controller.Stats(a.Count == 0 ? null : a[0]);
                return Option("json") is not null
                    ? JsonSerializer.Serialize(stats, ProtocolJsonContext.Default.ListPortStats) + "\n"
                    : BrctlFormat.Stats(stats);
            default:
                throw new ConfigException($"unknown command '{request.Command}'");
        }
    }
}
