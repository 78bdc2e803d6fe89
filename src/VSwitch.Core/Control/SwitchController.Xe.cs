using Microsoft.Extensions.Logging;

namespace VSwitch.Core.Control;

// XenServer's objects: networks (bridges), PIFs (uplinks) and their settable parameters.
public sealed partial class SwitchController
{
    /// <summary>
    /// network-param-set: name-label, or other-config:KEY (free-form). Every setting is checked before any
    /// is applied, so a bad one changes nothing.
    /// </summary>
    public void SetNetworkParams(string uuid, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            var bridge = _bridges.Values.FirstOrDefault(b => b.Uuid == uuid)
                ?? throw new ConfigException($"no network with uuid {uuid} (network-list shows them)");
            foreach (var (param, value) in settings)
            {
                if (param != "name-label") OtherConfigKey(param, "network");
                else if (value.Length == 0) throw new ConfigException("name-label may not be empty");
            }
            foreach (var (param, value) in settings)
            {
                if (param == "name-label") bridge.NameLabel = value;
                else bridge.OtherConfig[OtherConfigKey(param, "network")] = value;
            }
            Persist();
        }
    }

    /// <summary>pif-param-set: other-config:KEY is free-form; the other parameters are read-only.</summary>
    public void SetPifParams(string uuid, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            var bridge = PifBridge(uuid);
            foreach (var (param, _) in settings) OtherConfigKey(param, "PIF");
            foreach (var (param, value) in settings) bridge.PifOtherConfig[OtherConfigKey(param, "PIF")] = value;
            Persist();
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
            _ports.SetAddress(bridge.Name, address);
            bridge.Management = address;
            Persist();
            LogAddress(_log, bridge.Name, address is null ? "none" : $"{address.Ip}/{address.PrefixLength}");
        }
    }

    private Bridge PifBridge(string uuid) =>
        _bridges.Values.FirstOrDefault(b => b.Uplink?.Uuid == uuid)
        ?? throw new ConfigException($"no PIF with uuid {uuid} (pif-list shows them)");

    private static string OtherConfigKey(string param, string what)
    {
        const string prefix = "other-config:";
        if (!param.StartsWith(prefix, StringComparison.Ordinal))
            throw new ConfigException($"{what} parameter '{param}' cannot be set: settable are " +
                $"{(what == "network" ? "name-label and " : "")}other-config:KEY");
        string key = param[prefix.Length..];
        if (key.Length == 0
            || key.Any(char.IsWhiteSpace))
                throw new ConfigException($"other-config key '{key}' must be non-empty and " +
            $"contain no whitespace");
        return key;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "management address of {Bridge} set to {Address}")]
    private static partial void LogAddress(ILogger log, string bridge, string address);
}
