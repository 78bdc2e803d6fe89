using System.Globalization;
using System.Text.Json;
using VSwitch.Core.Control;
using VSwitch.Core.Ports;
using VSwitch.Core.Protocol;
using VSwitch.Daemon.Formats;

namespace VSwitch.Daemon;

/// <summary>Turns one <see cref="ControlRequest"/> into a controller call and its printed answer.</summary>
public sealed class CommandDispatcher(SwitchController controller)
{
    public SwitchController Controller => controller;

    public ControlResponse Execute(ControlRequest request)
    {
        try
        {
            var spec = Validate(request);
            return ControlResponse.Success(Run(spec, request));
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

    /// <summary>The command exists, its argument count is right and every option is known; else a usage
    /// error.</summary>
    public static CommandSpec Validate(ControlRequest request)
    {
        // JSON may leave out or null what C# initialises: a request from a client other than vswitchctl.
        if (string.IsNullOrEmpty(request.Command)) throw new ConfigException("request without a command");
        if (request.Args is null || request.Args.Any(a => a is null))
            throw new ConfigException($"{request.Command}: args must be a list of strings");
        if (request.Options is null || request.Options.Values.Any(v => v is null))
            throw new ConfigException($"{request.Command}: options must map names to strings");
        var spec = CommandCatalog.Find(request.Command)
            ?? throw new ConfigException($"unknown command '{request.Command}' (vswitchctl --help lists them)");
        if (request.Args.Count < spec.MinArgs || request.Args.Count > spec.MaxArgs)
            throw new ConfigException($"usage: vswitchctl {spec.Usage}");
        foreach (var option in request.Options.Keys)
            if (!spec.Options.ContainsKey(option))
                throw new ConfigException($"{spec.Name}: unknown option --{option} " +
                $"(usage: vswitchctl {spec.Usage})");
        return spec;
    }

    private string Run(CommandSpec spec, ControlRequest request)
    {
        var a = request.Args;
        string? Option(string name) => request.Options.TryGetValue(name, out var v) ? v : null;
        bool json = Option("json") is not null;
        switch (request.Command)
        {
            case "addbr":
                controller.AddBridge(a[0], Option("pif"), Option("vlan") is { } vlan ? Number("addbr", "--vlan", vlan)
                    : null);
                return "";
            case "addbond":
                controller.AddBond(a[0], a.Skip(1).ToList(), Option("mode"), Option("mac"), Option("primary"),
                    Option("updelay") is { } up ? Number("addbond", "--updelay", up) : 0,
                    Option("downdelay") is { } down ? Number("addbond", "--downdelay", down) : 0);
                return "";
            case "delbond":
                controller.DeleteBond(a[0]);
                return "";
            case "bond":
                if (a[0] != "show") throw new ConfigException($"usage: vswitchctl {spec.Usage}");
                return BondFormat.Show(controller, a.Count == 2 ? a[1] : null);
            case "trunk":
                controller.SetTrunks(a[0], a[1]);
                return "";
            case "maclimit":
                controller.SetMacLimit(a[0], a[1]);
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
            case "show":
                return controller.Read(bridges =>
                {
                    var chosen = a.Count == 0 ? bridges : [Named(bridges, a[0])];
                    return json ? Json(BrctlFormat.ShowJson(chosen), FormatsJsonContext.Default.ListShowEntry)
                        : BrctlFormat.Show(chosen);
                });
            case "showmacs":
                return controller.Read(bridges =>
                {
                    var bridge = Named(bridges, a[0]);
                    var entries = controller.Fdb.Entries(SwitchController.NowMilliseconds, bridge.Domain);
                    return json ? Json(BrctlFormat.MacEntries(bridge, entries),
                        FormatsJsonContext.Default.ListMacEntry) : BrctlFormat.ShowMacs(bridge, entries);
                });
            case "setageing":
                if (!int.TryParse(a[1], NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
                    throw new ConfigException($"setageing: '{a[1]}' is not a whole number of seconds");
                controller.SetAgeing(a[0], seconds);
                return "";
            case "stp":
                controller.SetStp(a[0], a[1]);
                return "";
            case "addtap":
                var tapMac = controller.AddTap(a[0], a[1], Option("mac"));
                return $"{a[1]} {tapMac}\n";
            case "addvif":
                var vifMac = controller.AddVif(a[0], a[1], Option("owner"), Option("mac"));
                return QemuArguments.ForTap(a[1], vifMac) + "\n";
            case "addsock":
                var stream = controller.AddStream(a[0], a[1], Option("mac"), Option("owner"), Option("mtu") is { } mtu
                    ? Number("addsock", "--mtu", mtu) : null);
                return QemuArguments.ForStream(a[1], ((IStreamEndpoint)stream.Device).SocketPath,
                    stream.ConfiguredMac!.Value) + "\n";
            case "delvif":
                controller.DeleteVif(a[0]);
                return "";
            case "fdb":
                return Fdb(a);
            case "network-list":
                return List(spec.Name, XeObjects.NetworkFields, (bridges, _) => XeObjects.Networks(bridges), a, json);
            case "pif-list":
                return List(spec.Name, XeObjects.PifFields, XeObjects.Pifs, a, json);
            case "vif-list":
                return List(spec.Name, XeObjects.VifFields, (bridges, _) => XeObjects.Vifs(bridges), a, json);
            case "network-param-set":
            case "pif-param-set":
            case "vif-param-set":
                return ParamSet(spec.Name, XeArguments.Parse(spec.Name, a));
            case "vif-param-add":
            case "vif-param-remove":
                var list = XeArguments.Parse(spec.Name, a);
                XeArguments.OnlyKnown(spec.Name, list, "uuid", "param-name", "param-key");
                string uuid = XeArguments.Required(spec.Name, list, "uuid");
                string name = XeArguments.Required(spec.Name, list, "param-name");
                string key = XeArguments.Required(spec.Name, list, "param-key");
                if (spec.Name == "vif-param-add") controller.AddVifAddress(uuid, name, key);
                else controller.RemoveVifAddress(uuid, name, key);
                return "";
            case "pif-reconfigure-ip":
                var p = XeArguments.Parse(spec.Name, a);
                XeArguments.OnlyKnown(spec.Name, p, "uuid", "mode", "IP", "netmask");
                controller.ReconfigurePifIp(XeArguments.Required(spec.Name, p, "uuid"), XeArguments.Required(spec.Name,
                    p, "mode"),
                    p.GetValueOrDefault("IP"), p.GetValueOrDefault("netmask"));
                return "";
            case "stats":
                var stats = controller.Stats(a.Count == 0 ? null : a[0]);
                return json ? Json(stats, FormatsJsonContext.Default.ListPortStats) : BrctlFormat.Stats(stats);
            case "capture":
                throw new ConfigException("capture streams pcap and is served by the control socket itself");
            default:
                throw new ConfigException($"unknown command '{request.Command}'");
        }
    }

    private static int Number(string command, string what, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
            ? n : throw new ConfigException($"{command}: {what} '{text}' is not a whole number");

    private string Fdb(List<string> a)
    {
        switch (a[0])
        {
            case "add" when a.Count == 4:
                controller.FdbAdd(a[1], a[2], a[3]);
                return "";
            case "del" when a.Count == 3:
                controller.FdbDelete(a[1], a[2]);
                return "";
            case "flush" when a.Count is 2 or 3:
                int flushed = controller.FdbFlush(a[1], a.Count == 3 ? a[2] : null);
                return $"flushed {flushed} learned entries\n";
            default:
                throw new ConfigException($"usage: vswitchctl {CommandCatalog.Find("fdb")!.Usage}");
        }
    }

    private string List(string command, string[] fields, Func<IReadOnlyList<Bridge>, IReadOnlyList<Pif>,
        List<XeRecord>> build, List<string> arguments, bool json) =>
        controller.Read((bridges, pifs) =>
        {
            var records = XeFormat.Select(command, build(bridges, pifs), fields, arguments);
            return json ? Json(XeFormat.Json(records), FormatsJsonContext.Default.ListDictionaryStringString)
                : XeFormat.Text(records);
        });

    private string ParamSet(string command, Dictionary<string, string> parameters)
    {
        string uuid = XeArguments.Required(command, parameters, "uuid");
        var settings = parameters.Where(p => p.Key != "uuid").ToList();
        if (settings.Count == 0) throw new ConfigException($"{command}: nothing to set (vswitchctl {command} --help " +
            "lists what can be)");
        if (command == "network-param-set") controller.SetNetworkParams(uuid, settings);
        else if (command == "vif-param-set") controller.SetVifParams(uuid, settings);
        else controller.SetPifParams(uuid, settings);
        return "";
    }

    private static Bridge Named(IReadOnlyList<Bridge> bridges, string name) =>
        bridges.FirstOrDefault(b => b.Name == name) ?? throw new ConfigException($"bridge {name} does not exist");

    private static string Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Serialize(value, type) + "\n";
}
