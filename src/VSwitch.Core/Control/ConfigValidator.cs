using VSwitch.Core.Frames;

namespace VSwitch.Core.Control;

/// <summary>Semantic checks on a loaded config, each naming the JSON path at fault.</summary>
public static class ConfigValidator
{
    public static void Validate(SwitchConfig config, string source)
    {
        var seenPorts = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenBridges = new HashSet<string>(StringComparer.Ordinal);
        var seenUuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (config.Workers < 0) throw Fault(source, "$.workers", "must be 0 (one per core) or more");
        if (config.LogLevel is not null && !Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(config.LogLevel, true, out _))
            throw Fault(source, "$.logLevel", $"'{config.LogLevel}' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)");
        if (config.Fdb.MaxEntries < 1) throw Fault(source, "$.fdb.maxEntries", "must be at least 1");
        if (config.Fdb.MaxEntriesPerPort < 1) throw Fault(source, "$.fdb.maxEntriesPerPort", "must be at least 1");

        for (int b = 0; b < config.Bridges.Count; b++)
        {
            var bridge = config.Bridges[b];
            string at = $"$.bridges[{b}]";
            if (bridge is null) throw Fault(source, at, "must be an object");
            Check(source, $"{at}.name", () => Names.ValidateInterface(bridge.Name, "bridge"));
            if (!seenBridges.Add(bridge.Name)) throw Fault(source, $"{at}.name", $"bridge '{bridge.Name}' appears twice");
            if (bridge.AgeingSeconds < 0) throw Fault(source, $"{at}.ageingSeconds", "must be 0 (never age) or more");
            CheckUuid(seenUuids, bridge.Uuid, source, $"{at}.uuid");
            CheckUuid(seenUuids, bridge.PifUuid, source, $"{at}.pifUuid");
            if (bridge.PifUuid is not null && bridge.Pif is null) throw Fault(source, $"{at}.pifUuid", "is set but the bridge has no pif");
            if (bridge.Management is { } management)
            {
                if (bridge.Pif is null) throw Fault(source, $"{at}.management", "only an external bridge (one with a pif) carries a management address");
                Check(source, $"{at}.management", () => IpConfig.Parse(management.Ip, management.Netmask));
            }
            if (bridge.Pif is not null)
            {
                Check(source, $"{at}.pif", () => Names.ValidateInterface(bridge.Pif, "pif"));
                Claim(seenPorts, bridge.Pif, bridge.Name, source, $"{at}.pif");
            }
            for (int p = 0; p < bridge.Ports.Count; p++)
            {
                var port = bridge.Ports[p];
                string portAt = $"{at}.ports[{p}]";
                if (port is null) throw Fault(source, portAt, "must be an object");
                Check(source, $"{portAt}.name", () => Names.ValidateInterface(port.Name, "port"));
                if (!Enum.IsDefined(port.Kind)) throw Fault(source, $"{portAt}.kind", "must be \"tap\", \"raw\" or \"vif\"");
                if (port.Kind == PortKind.Vif)
                {
                    Check(source, $"{portAt}.name", () => Names.ValidateVif(port.Name));
                    if (port.Mac is null) throw Fault(source, $"{portAt}.mac", "a VIF needs the guest's MAC (the one QEMU was given)");
                }
                CheckUuid(seenUuids, port.Uuid, source, $"{portAt}.uuid");
                if (port.Mac is not null)
                    Check(source, $"{portAt}.mac", () => MacPolicy.ValidatePortMac(port.Mac));
                Claim(seenPorts, port.Name, bridge.Name, source, $"{portAt}.name");
            }
            for (int m = 0; m < bridge.StaticMacs.Count; m++)
            {
                var entry = bridge.StaticMacs[m];
                string entryAt = $"{at}.staticMacs[{m}]";
                if (entry is null) throw Fault(source, entryAt, "must be an object");
                Check(source, $"{entryAt}.mac", () => MacPolicy.ValidateFdbMac(entry.Mac));
                if (entry.Port != bridge.Name && entry.Port != bridge.Pif && bridge.Ports.All(p => p?.Name != entry.Port))
                    throw Fault(source, $"{entryAt}.port", $"'{entry.Port}' is not a port of bridge '{bridge.Name}'");
            }
        }
    }

    private static void CheckUuid(HashSet<string> seen, string? uuid, string source, string at)
    {
        if (uuid is null) return;
        if (!Guid.TryParseExact(uuid, "D", out _)) throw Fault(source, at, $"'{uuid}' is not a UUID (8-4-4-4-12 hex digits)");
        if (!seen.Add(uuid)) throw Fault(source, at, $"UUID {uuid} is used twice");
    }

    private static void Claim(Dictionary<string, string> seen, string port, string bridge, string source, string at)
    {
        if (seen.TryGetValue(port, out var other))
            throw Fault(source, at, $"'{port}' is already a port of bridge '{other}'");
        if (port == bridge) throw Fault(source, at, $"'{port}' is the name of its bridge");
        seen[port] = bridge;
    }

    private static void Check(string source, string at, Action check)
    {
        try { check(); }
        catch (ConfigException e) { throw Fault(source, at, e.Message); }
    }

    private static ConfigException Fault(string source, string at, string message) => new($"config {source} at {at}: {message}");
}
