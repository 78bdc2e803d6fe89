using System.Globalization;
using System.Net;
using VSwitch.Core.Config;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

// What guests may send: XenServer's VIF locking (xe vif-param-set/-add/-remove, network-param-set's
// default-locking-mode) and learned-MAC limits per port.
public sealed partial class SwitchController
{
    private const string LockingParam = "locking-mode";
    private const string Ipv4Param = "ipv4-allowed";
    private const string Ipv6Param = "ipv6-allowed";

    /// <summary>
    /// vif-param-set: locking-mode, ipv4-allowed and ipv6-allowed (comma-separated lists, which replace the
    /// old ones). Every setting is checked before any is applied.
    /// </summary>
    public void SetVifParams(string uuid, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            var vif = FindVif(uuid);
            var locking = vif.Locking;
            foreach (var (param, value) in settings)
            {
                locking = param switch
                {
                    LockingParam => locking with { Mode = LockingModeNames.Parse(value) },
                    Ipv4Param => locking with { Ipv4Allowed = PortLocking.ParseList(param, value) },
                    Ipv6Param => locking with { Ipv6Allowed = PortLocking.ParseList(param, value) },
                    _ => throw new ConfigException($"VIF parameter '{param}' cannot be set: settable are " +
                        $"{LockingParam}, {Ipv4Param} and {Ipv6Param}"),
                };
            }
            ChangeLocking(vif, locking);
        }
    }

    /// <summary>vif-param-add param-name=ipv4-allowed|ipv6-allowed param-key=ADDRESS.</summary>
    public void AddVifAddress(string uuid, string param, string address)
    {
        lock (_lock)
        {
            var vif = FindVif(uuid);
            var added = PortLocking.ParseAddress(CheckListParam("vif-param-add", param), address);
            var list = (param == Ipv4Param ? vif.Locking.Ipv4Allowed : vif.Locking.Ipv6Allowed).ToList();
            if (list.Contains(added)) return;
            list.Add(added);
            if (list.Count > PortLocking.MaxAddresses)
                throw new ConfigException($"{param}: at most {PortLocking.MaxAddresses} addresses");
            ChangeLocking(vif, param == Ipv4Param ? vif.Locking with { Ipv4Allowed = list }
                : vif.Locking with { Ipv6Allowed = list });
        }
    }

    /// <summary>vif-param-remove param-name=ipv4-allowed|ipv6-allowed param-key=ADDRESS.</summary>
    public void RemoveVifAddress(string uuid, string param, string address)
    {
        lock (_lock)
        {
            var vif = FindVif(uuid);
            var removed = PortLocking.ParseAddress(CheckListParam("vif-param-remove", param), address);
            var list = (param == Ipv4Param ? vif.Locking.Ipv4Allowed : vif.Locking.Ipv6Allowed).ToList();
            if (!list.Remove(removed))
                throw new ConfigException($"vif-param-remove: {address} is not in the VIF's {param}");
            ChangeLocking(vif, param == Ipv4Param ? vif.Locking with { Ipv4Allowed = list }
                : vif.Locking with { Ipv6Allowed = list });
        }
    }

    /// <summary>
    /// maclimit: the most MACs the FDB learns on a guest port or an uplink (the kernel bridge's
    /// fdb_max_learned, Open vSwitch's mac-table-size, per port); "default" returns it to fdb.maxEntriesPerPort.
    /// Learning beyond it is refused and counted on the port; its frames still go.
    /// </summary>
    public void SetMacLimit(string portName, string limit)
    {
        lock (_lock)
        {
            int? value = limit == "default" ? null
                : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
                  && n <= Fdb.Limits.MaxEntries ? n
                : throw new ConfigException($"maclimit: '{limit}' is neither default nor a number of MACs from 1 to " +
                    $"{Fdb.Limits.MaxEntries} (fdb.maxEntries)");
            foreach (var bridge in _bridges.Values)
            {
                if (bridge.AllPorts().FirstOrDefault(p => p.Name == portName && p.Role != PortRole.Host) is { } port)
                {
                    int? before = port.MacLimit;
                    port.MacLimit = value;
                    CommitOrUndo(() => port.MacLimit = before);
                    return;
                }
                if (bridge.Absent.FirstOrDefault(p => p.Name == portName) is { } absent)
                {
                    int? before = absent.MacLimit;
                    absent.MacLimit = value;
                    PersistOrUndo(() => absent.MacLimit = before);
                    return;
                }
            }
            throw new ConfigException($"maclimit: no port named {portName} (a guest port or a bridge's pif)");
        }
    }

    /// <summary>A guest port by its VIF uuid: attached, or absent and kept in the configuration.</summary>
    private Vif FindVif(string uuid)
    {
        foreach (var bridge in _bridges.Values)
        {
            if (bridge.Guests.FirstOrDefault(p => p.Uuid == uuid) is { } port) return new Vif(bridge, port, null);
            if (bridge.Absent.FirstOrDefault(p => p.Uuid == uuid) is { } absent) return new Vif(bridge, null, absent);
        }
        throw new ConfigException($"no VIF with uuid {uuid} (vif-list shows them)");
    }

    private static string CheckListParam(string command, string param) => param is Ipv4Param or Ipv6Param ? param
        : throw new ConfigException($"{command}: param-name '{param}' is not one of {Ipv4Param}, {Ipv6Param}");

    private void ChangeLocking(Vif vif, PortLocking locking)
    {
        if (vif.Port is { } port)
        {
            if (locking.Effective(vif.Bridge.DefaultLockingMode) == LockingMode.Locked && port.ConfiguredMac is null)
                throw new ConfigException($"{port.Name} cannot be locked: locking holds a guest to the MAC vswitchd " +
                    "gave it, and a port attached with addif was given none (tap ports, VIFs and stream ports were)");
            var before = port.Locking;
            port.Locking = locking;
            CommitOrUndo(() => port.Locking = before);
            return;
        }
        var absent = vif.Absent!;
        if (locking.Mode == LockingMode.Locked && absent.Mac is null)
            throw new ConfigException($"{absent.Name} cannot be locked: a port attached with addif has no MAC of " +
                "its own to hold the guest to");
        var saved = (absent.LockingMode, absent.Ipv4Allowed, absent.Ipv6Allowed);
        absent.LockingMode = locking.Mode == LockingMode.NetworkDefault ? null : LockingModeNames.Of(locking.Mode);
        absent.Ipv4Allowed = Strings(locking.Ipv4Allowed);
        absent.Ipv6Allowed = Strings(locking.Ipv6Allowed);
        PersistOrUndo(() => (absent.LockingMode, absent.Ipv4Allowed, absent.Ipv6Allowed) = saved);
    }

    private static List<string>? Strings(IReadOnlyList<IPAddress> addresses) =>
        addresses.Count == 0 ? null : addresses.Select(a => a.ToString()).ToList();

    /// <summary>A VIF as xe names it by uuid: an attached port, or an absent one's saved configuration.</summary>
    private sealed record Vif(Bridge Bridge, Port? Port, PortConfig? Absent)
    {
        public PortLocking Locking => Port?.Locking ?? LockingOf(Absent!);
    }
}
