using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

// The forwarding database from the control side: static entries, flushes, ageing and link events.
public sealed partial class SwitchController
{
    /// <summary>fdb add: a static entry that never ages and never moves; persisted.</summary>
    public void FdbAdd(string bridgeName, string macText, string portName)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            var mac = MacPolicy.ValidateFdbMac(macText);
            var port = bridge.FindPort(portName)
                ?? throw new ConfigException($"fdb add: {portName} is not a port of bridge {bridgeName}");
            if (mac == bridge.Mac) throw new ConfigException($"fdb add: {mac} is the bridge's own address (its local " +
                $"entry) and cannot be moved");
            string? before = bridge.StaticMacs.GetValueOrDefault(mac);
            Fdb.AddStatic(bridge.Domain, mac, port.Index);
            bridge.StaticMacs[mac] = port.Name;
            PersistOrUndo(() =>
            {
                Fdb.Remove(bridge.Domain, mac);
                if (before is null)
                {
                    bridge.StaticMacs.Remove(mac);
                    return;
                }
                bridge.StaticMacs[mac] = before;
                if (bridge.FindPort(before) is { } earlier) Fdb.AddStatic(bridge.Domain, mac, earlier.Index);
            });
        }
    }

    /// <summary>fdb del: removes one entry, static or learned.</summary>
    public void FdbDelete(string bridgeName, string macText)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            if (!MacAddress.TryParse(macText,
                out var mac)) throw new ConfigException($"fdb del: '{macText}' is not a MAC address");
            if (mac == bridge.Mac) throw new ConfigException($"fdb del: {mac} is the bridge's own address (its local " +
                $"entry) and cannot be removed");
            bool wasStatic = bridge.StaticMacs.ContainsKey(mac);
            if (wasStatic)
                PersistWithout(config => BridgeIn(config, bridgeName).StaticMacs.RemoveAll(s
                    => MacAddress.Parse(s.Mac) == mac));
            bridge.StaticMacs.Remove(mac);
            if (!Fdb.Remove(bridge.Domain, mac) && !wasStatic)
                throw new ConfigException($"fdb del: bridge {bridgeName} has no entry for {mac}");
        }
    }

    /// <summary>fdb flush: removes learned entries of a bridge, or of one of its ports; static and local entries
    /// stay.</summary>
    public int FdbFlush(string bridgeName, string? portName)
    {
        lock (_lock)
        {
            var bridge = Existing(bridgeName);
            if (portName is null) return Fdb.Flush(domain: bridge.Domain);
            var port = bridge.FindPort(portName)
                ?? throw new ConfigException($"fdb flush: {portName} is not a port of bridge {bridgeName}");
            return Fdb.Flush(domain: bridge.Domain, port: port.Index);
        }
    }

    private void RestoreStaticMac(Bridge bridge, StaticMacConfig entry)
    {
        var mac = MacAddress.Parse(entry.Mac);
        bridge.StaticMacs[mac] = entry.Port;
        // A static entry for an absent port stays in the config and comes back with the port after the next restart.
        if (bridge.FindPort(entry.Port) is { } port) Fdb.AddStatic(bridge.Domain, mac, port.Index);
    }

    /// <summary>Ages out entries by each bridge's ageing time; call about once a second.</summary>
    public int AgeFdb(long nowMs)
    {
        long[] ageing;
        lock (_lock)
        {
            // Rebuilt only when a bridge or its ageing time changed, never changed in place (the sweep reads
            // it outside the lock): the once-a-second tick allocates nothing.
            if (!AgeingTableIsCurrent()) _ageingByDomain = BuildAgeingTable();
            ageing = _ageingByDomain;
        }
        return Fdb.Age(nowMs, ageing);
    }

    private long[] _ageingByDomain = [];

    private bool AgeingTableIsCurrent()
    {
        int ageing = 0;
        foreach (var bridge in _bridges.Values)
        {
            long ms = bridge.AgeingSeconds * 1000L;
            if (bridge.Domain >= _ageingByDomain.Length || _ageingByDomain[bridge.Domain] != ms) return false;
            if (ms != 0) ageing++;
        }
        // A bridge that is gone still has its ageing time in the table: rebuild without it.
        int inTable = 0;
        foreach (long ms in _ageingByDomain) if (ms != 0) inTable++;
        return inTable == ageing;
    }

    private long[] BuildAgeingTable()
    {
        int domains = 1;
        foreach (var bridge in _bridges.Values) domains = Math.Max(domains, bridge.Domain + 1);
        var table = new long[domains];
        foreach (var bridge in _bridges.Values) table[bridge.Domain] = bridge.AgeingSeconds * 1000L;
        return table;
    }
}
