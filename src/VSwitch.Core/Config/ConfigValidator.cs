using VSwitch.Core.Fdb;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Config;

/// <summary>Semantic checks on a loaded config, each naming the JSON path at fault.</summary>
public static class ConfigValidator
{
    public static void Validate(SwitchConfig config, string source)
    {
        var seenPorts = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenBridges = new HashSet<string>(StringComparer.Ordinal);
        var seenUuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (config.Workers < 0) throw Fault(source, "$.workers", "must be 0 (one per core) or more");
        if (config.BusyPollMicroseconds is < 0 or > SwitchConfig.MaxBusyPollMicroseconds)
            throw Fault(source, "$.busyPollMicroseconds", $"must be 0 (off) to {SwitchConfig.MaxBusyPollMicroseconds}");
        if (config.LogLevel is not null && !Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(config.LogLevel, true,
            out _))
            throw Fault(source, "$.logLevel",
                $"'{config.LogLevel}' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)");
        if (config.Fdb.MaxEntries is < 1 or > FdbLimits.MaxTableEntries)
            throw Fault(source, "$.fdb.maxEntries", $"must be from 1 to {FdbLimits.MaxTableEntries:N0}");
        if (config.Fdb.MaxEntriesPerPort < 1) throw Fault(source, "$.fdb.maxEntriesPerPort", "must be at least 1");

        var bondMembers = new Dictionary<string, string>(StringComparer.Ordinal);
        var bonds = new HashSet<string>(StringComparer.Ordinal);
        for (int b = 0; b < config.Bonds.Count; b++)
        {
            var bond = config.Bonds[b];
            string at = $"$.bonds[{b}]";
            if (bond is null) throw Fault(source, at, "must be an object");
            Check(source, $"{at}.name", () => Names.ValidateInterface(bond.Name, "bond"));
            if (!bonds.Add(bond.Name)) throw Fault(source, $"{at}.name", $"bond '{bond.Name}' appears twice");
            if (bond.Members.Count < 2) throw Fault(source, $"{at}.members", "a bond needs at least two members");
            foreach (var member in bond.Members)
            {
                Check(source, $"{at}.members", () => Names.ValidateInterface(member, "bond member"));
                if (!bondMembers.TryAdd(member, bond.Name)) throw Fault(source, $"{at}.members",
                    $"'{member}' is already a member of bond '{bondMembers[member]}'");
            }
            Check(source, $"{at}.mode", () => BondModeNames.Parse(bond.Mode));
            if (bond.Mac is not null) Check(source, $"{at}.mac", () => MacPolicy.ValidatePortMac(bond.Mac));
            if (bond.Primary is not null && !bond.Members.Contains(bond.Primary)) throw Fault(source, $"{at}.primary",
                $"'{bond.Primary}' is not a member");
            if (bond.UpdelayMs < 0 || bond.DowndelayMs < 0) throw Fault(source, at,
                "updelayMs and downdelayMs must be 0 or more");
            CheckUuid(seenUuids, bond.Uuid, source, $"{at}.uuid");
            foreach (var (member, uuid) in bond.MemberUuids) CheckUuid(seenUuids, uuid, source,
                $"{at}.memberUuids.{member}");
        }
        var pifNetworks = new Dictionary<(string Pif, int Vlan), string>();

        for (int b = 0; b < config.Bridges.Count; b++)
        {
            var bridge = config.Bridges[b];
            string at = $"$.bridges[{b}]";
            if (bridge is null) throw Fault(source, at, "must be an object");
            Check(source, $"{at}.name", () => Names.ValidateInterface(bridge.Name, "bridge"));
            if (!seenBridges.Add(bridge.Name)) throw Fault(source, $"{at}.name",
                $"bridge '{bridge.Name}' appears twice");
            if (bridge.AgeingSeconds < 0) throw Fault(source, $"{at}.ageingSeconds", "must be 0 (never age) or more");
            CheckUuid(seenUuids, bridge.Uuid, source, $"{at}.uuid");
            CheckUuid(seenUuids, bridge.PifUuid, source, $"{at}.pifUuid");
            if (bridge.NameLabel is { } label)
                Check(source, $"{at}.nameLabel", () => FreeText.Check("name-label", label, FreeText.MaxLabel));
            CheckOtherConfig(source, $"{at}.otherConfig", bridge.OtherConfig);
            CheckOtherConfig(source, $"{at}.pifOtherConfig", bridge.PifOtherConfig);
            if (bridge.DefaultLockingMode is { } locking)
                Check(source, $"{at}.defaultLockingMode", () => LockingModeNames.ParseNetworkDefault(locking));
            if (bridge.PifMacLimit is { } pifLimit)
            {
                if (bridge.Pif is null) throw Fault(source, $"{at}.pifMacLimit", "is set but the bridge has no pif");
                CheckMacLimit(source, $"{at}.pifMacLimit", pifLimit, config.Fdb.MaxEntries);
            }
            if (bridge.PifUuid is not null && bridge.Pif is null) throw Fault(source, $"{at}.pifUuid",
                "is set but the bridge has no pif");
            if (bridge.Management is { } management)
            {
                if (bridge.Pif is null) throw Fault(source, $"{at}.management",
                    "only an external bridge (one with a pif) carries a management address");
                Check(source, $"{at}.management", () => IpConfig.Parse(management.Ip, management.Netmask));
            }
            if (bridge.Vlan is { } vlan)
            {
                if (bridge.Pif is null) throw Fault(source, $"{at}.vlan",
                    "a VLAN network needs a pif; internal networks have no VLANs");
                if (!VlanTag.IsValidId(vlan)) throw Fault(source, $"{at}.vlan",
                    $"VLAN {vlan} is out of range (1–{VlanTag.MaxId})");
            }
            if (bridge.Pif is not null)
            {
                Check(source, $"{at}.pif", () => Names.ValidateInterface(bridge.Pif, "pif"));
                if (bondMembers.TryGetValue(bridge.Pif, out var bondName)) throw Fault(source, $"{at}.pif",
                    $"'{bridge.Pif}' is a member of bond '{bondName}'");
                if (!pifNetworks.TryAdd((bridge.Pif, bridge.Vlan ?? 0), bridge.Name))
                    throw Fault(source, $"{at}.pif",
                        $"pif '{bridge.Pif}' {(bridge.Vlan is null ? "untagged" : $"VLAN {bridge.Vlan}")} is already " +
                        $"bridge '{pifNetworks[(bridge.Pif, bridge.Vlan ?? 0)]}'");
            }
            for (int p = 0; p < bridge.Ports.Count; p++)
            {
                var port = bridge.Ports[p];
                string portAt = $"{at}.ports[{p}]";
                if (port is null) throw Fault(source, portAt, "must be an object");
                Check(source, $"{portAt}.name", () => Names.ValidateInterface(port.Name, "port"));
                if (!Enum.IsDefined(port.Kind)) throw Fault(source, $"{portAt}.kind",
                    "must be \"tap\", \"raw\", \"vif\" or \"stream\"");
                if (port.Kind == PortKind.Vif)
                {
                    Check(source, $"{portAt}.name", () => Names.ValidateVif(port.Name));
                    if (port.Mac is null) throw Fault(source, $"{portAt}.mac",
                        "a VIF needs the guest's MAC (the one QEMU was given)");
                }
                CheckUuid(seenUuids, port.Uuid, source, $"{portAt}.uuid");
                if (port.Mac is not null)
                    Check(source, $"{portAt}.mac", () => MacPolicy.ValidatePortMac(port.Mac));
                if (port.Trunks is not null)
                {
                    try { VlanSet.Parse(port.Trunks); }
                    catch (FormatException e) { throw Fault(source, $"{portAt}.trunks", e.Message); }
                }
                CheckLocking(source, portAt, port, config.Fdb.MaxEntries);
                if (bondMembers.TryGetValue(port.Name, out var memberOf)) throw Fault(source, $"{portAt}.name",
                    $"'{port.Name}' is a member of bond '{memberOf}'");
                Claim(seenPorts, port.Name, bridge.Name, source, $"{portAt}.name");
            }
            for (int m = 0; m < bridge.StaticMacs.Count; m++)
            {
                var entry = bridge.StaticMacs[m];
                string entryAt = $"{at}.staticMacs[{m}]";
                if (entry is null) throw Fault(source, entryAt, "must be an object");
                Check(source, $"{entryAt}.mac", () => MacPolicy.ValidateFdbMac(entry.Mac));
                string? uplink = bridge.Pif is null ? null : bridge.Vlan is null ? bridge.Pif
                    : $"{bridge.Pif}.{bridge.Vlan}";
                if (entry.Port != bridge.Name && entry.Port != uplink && bridge.Ports.All(p => p?.Name != entry.Port))
                    throw Fault(source, $"{entryAt}.port", $"'{entry.Port}' is not a port of bridge '{bridge.Name}'");
            }
        }
        CheckPifsAreNotPorts(pifNetworks, seenPorts, source);
    }

    private static void CheckPifsAreNotPorts(Dictionary<(string Pif, int Vlan), string> pifs, Dictionary<string,
        string> ports, string source)
    {
        foreach (var ((pif, _), bridge) in pifs)
            if (ports.TryGetValue(pif, out var other))
                throw Fault(source, "$.bridges",
                    $"'{pif}' is the pif of '{bridge}' and also a port of bridge '{other}'");
    }

    private static void CheckUuid(HashSet<string> seen, string? uuid, string source, string at)
    {
        if (uuid is null) return;
        if (!Guid.TryParseExact(uuid, "D", out _)) throw Fault(source, at,
            $"'{uuid}' is not a UUID (8-4-4-4-12 hex digits)");
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

    private static ConfigException Fault(string source, string at, string message)
        => new($"config {source} at {at}: {message}");

    private static void CheckOtherConfig(string source, string at, Dictionary<string, string> otherConfig)
    {
        if (otherConfig is null) throw Fault(source, at, "must be an object");
        if (otherConfig.Count > FreeText.MaxEntries) throw Fault(source, at,
            $"holds {otherConfig.Count} keys; at most {FreeText.MaxEntries} are kept");
        foreach (var (key, value) in otherConfig)
        {
            Check(source, at, () => FreeText.Check($"key '{key}'", key, FreeText.MaxKey));
            Check(source, $"{at}.{key}", () => FreeText.Check("the value", value ?? "", FreeText.MaxValue));
        }
    }

    /// <summary>A port's VIF locking and MAC limit, as vif-param-set and maclimit would have taken them.</summary>
    private static void CheckLocking(string source, string at, PortConfig port, int maxEntries)
    {
        if (port.LockingMode is { } mode)
        {
            Check(source, $"{at}.lockingMode", () => LockingModeNames.Parse(mode));
            if (mode == "locked" && port.Mac is null)
                throw Fault(source, $"{at}.lockingMode", "a port without a mac of its own cannot be locked");
        }
        if (port.Ipv4Allowed is { } ipv4)
            Check(source, $"{at}.ipv4Allowed", () => PortLocking.ParseList("ipv4-allowed", string.Join(",", ipv4)));
        if (port.Ipv6Allowed is { } ipv6)
            Check(source, $"{at}.ipv6Allowed", () => PortLocking.ParseList("ipv6-allowed", string.Join(",", ipv6)));
        if (port.MacLimit is { } limit) CheckMacLimit(source, $"{at}.macLimit", limit, maxEntries);
    }

    private static void CheckMacLimit(string source, string at, int limit, int maxEntries)
    {
        if (limit < 1 || limit > maxEntries)
            throw Fault(source, at, $"must be a number of MACs from 1 to {maxEntries} (fdb.maxEntries)");
    }
}
