using Microsoft.Extensions.Logging;

namespace VSwitch.Core.Control;

// XenServer's objects: networks (bridges), PIFs (uplinks) and their settable parameters.
public sealed partial class SwitchController
{
    /// <summary>
    /// network-param-set: name-label, default-locking-mode (unlocked or disabled: what its ports in
    /// network_default mode do), or other-config:KEY (free-form). Every setting is checked before any is
    /// applied, so a bad one changes nothing.
    /// </summary>
    public void SetNetworkParams(string uuid, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            var bridge = _bridges.Values.FirstOrDefault(b => b.Uuid == uuid)
                ?? throw new ConfigException($"no network with uuid {uuid} (network-list shows them)");
            foreach (var (param, value) in settings)
            {
                if (param == "default-locking-mode") LockingModeNames.ParseNetworkDefault(value);
                else if (param != "name-label") OtherConfigValue(OtherConfigKey(param, "network"), value);
                else if (value.Length == 0) throw new ConfigException("name-label may not be empty");
                else FreeText.Check("name-label", value, FreeText.MaxLabel);
            }
            CheckEntries(bridge.OtherConfig, settings, "network");
            string label = bridge.NameLabel;
            var locking = bridge.DefaultLockingMode;
            var otherConfig = new Dictionary<string, string>(bridge.OtherConfig);
            foreach (var (param, value) in settings)
            {
                if (param == "name-label") bridge.NameLabel = value;
                else if (param == "default-locking-mode")
                    bridge.DefaultLockingMode = LockingModeNames.ParseNetworkDefault(value);
                else bridge.OtherConfig[OtherConfigKey(param, "network")] = value;
            }
            CommitOrUndo(() =>
            {
                bridge.NameLabel = label;
                bridge.DefaultLockingMode = locking;
                Restore(bridge.OtherConfig, otherConfig);
            });
        }
    }

    /// <summary>pif-param-set: other-config:KEY is free-form; the other parameters are read-only.</summary>
    public void SetPifParams(string uuid, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            var bridge = PifBridge(uuid);
            foreach (var (param, value) in settings) OtherConfigValue(OtherConfigKey(param, "PIF"), value);
            CheckEntries(bridge.PifOtherConfig, settings, "PIF");
            var before = new Dictionary<string, string>(bridge.PifOtherConfig);
            foreach (var (param, value) in settings) bridge.PifOtherConfig[OtherConfigKey(param, "PIF")] = value;
            PersistOrUndo(() => Restore(bridge.PifOtherConfig, before));
        }
    }

    /// <summary>
    /// pif-reconfigure-ip: the address goes on the bridge's host interface, not on the PIF, because the PIF
    /// is a port of the bridge and frames for the host arrive through the bridge (as on XenServer).
    /// </summary>
    public void ReconfigurePifIp(string uuid, string mode, string? ip, string? netmask)
    {
        lock (_lock)
        {
            var bridge = PifBridge(uuid);
            ManagementAddress? address = mode switch
            {
                "static" => IpConfig.Parse(ip, netmask),
                "none" when ip is null && netmask is null => null,
                "none" => throw new ConfigException("mode=none takes no IP= or netmask="),
                "dhcp" => throw new ConfigException("mode=dhcp is not supported: vswitchd runs no DHCP client; use " +
                    "mode=static IP=… netmask=…, or run a DHCP client on the bridge interface yourself"),
                _ => throw new ConfigException($"mode '{mode}' is not one of static, none"),
            };
            var before = bridge.Management;
            _ports.SetAddress(bridge.Name, address);
            bridge.Management = address;
            PersistOrUndo(() =>
            {
                bridge.Management = before;
                _ports.SetAddress(bridge.Name, before);
            });
            LogAddress(_log, bridge.Name, address is null ? "none" : $"{address.Ip}/{address.PrefixLength}");
        }
    }

    private static void Restore(Dictionary<string, string> map, Dictionary<string, string> before)
    {
        map.Clear();
        foreach (var (key, value) in before) map[key] = value;
    }

    private Bridge PifBridge(string uuid) =>
        _bridges.Values.FirstOrDefault(b => b.Uplink?.Uuid == uuid)
        ?? throw new ConfigException($"no PIF with uuid {uuid} (pif-list shows them)");

    private static string OtherConfigKey(string param, string what)
    {
        const string prefix = "other-config:";
        if (!param.StartsWith(prefix, StringComparison.Ordinal))
            throw new ConfigException($"{what} parameter '{param}' cannot be set: settable are " +
                $"{(what == "network" ? "name-label, default-locking-mode and " : "")}other-config:KEY");
        string key = param[prefix.Length..];
        if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            throw new ConfigException($"other-config key '{key}' must be non-empty and contain no whitespace");
        FreeText.Check("an other-config key", key, FreeText.MaxKey);
        return key;
    }

    private static void OtherConfigValue(string key, string value) =>
        FreeText.Check($"other-config:{key}", value, FreeText.MaxValue);

    /// <summary>Refuses settings that would take an object's other-config past <see cref="FreeText.MaxEntries"/>.</summary>
    private static void CheckEntries(Dictionary<string, string> otherConfig,
        IReadOnlyList<KeyValuePair<string, string>> settings, string what)
    {
        const string prefix = "other-config:";
        int added = settings.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(s => s.Key[prefix.Length..]).Distinct().Count(k => !otherConfig.ContainsKey(k));
        if (otherConfig.Count + added > FreeText.MaxEntries)
            throw new ConfigException($"a {what}'s other-config holds at most {FreeText.MaxEntries} keys");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "management address of {Bridge} set to {Address}")]
    private static partial void LogAddress(ILogger log, string bridge, string address);
}
