using System.Globalization;
using VSwitch.Core.Control;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Daemon.Formats;

/// <summary>
/// XenServer's view of the switch: a network per bridge, a PIF per uplink, a VIF per guest port. Built
/// from the object model under the controller's lock, then filtered and printed by <see cref="XeFormat"/>.
/// </summary>
public static class XeObjects
{
    public static readonly string[] NetworkFields = ["uuid", "name-label", "bridge", "MAC", "PIF-uuids", "VIF-uuids",
        "other-config", "default-locking-mode"];
    public static readonly string[] PifFields =
        ["uuid", "device", "MAC", "VLAN", "network-uuid", "network-name-label", "bridge", "IP-configuration-mode", "IP",
            "netmask", "other-config",
         "bond-master-of", "bond-slave-of", "currently-attached"];
    public static readonly string[] VifFields = ["uuid", "device", "MAC", "vm", "network-uuid", "network-name-label",
        "kind", "currently-attached", "locking-mode", "ipv4-allowed", "ipv6-allowed"];

    public static List<XeRecord> Networks(IEnumerable<Bridge> bridges) => bridges.Select(b => new XeRecord(
    [
        new("uuid", "RO", b.Uuid),
        new("name-label", "RW", b.NameLabel),
        new("bridge", "RO", b.Name),
        new("MAC", "RO", b.Mac.ToString()),
        new("PIF-uuids", "SRO", b.Uplink?.Uuid ?? ""),
        new("VIF-uuids", "SRO", string.Join("; ", b.Guests.Select(p => p.Uuid).Concat(b.Absent.Select(p => p.Uuid
            ?? "")))),
        new("other-config", "MRW", Map(b.OtherConfig)),
        new("default-locking-mode", "RW", LockingModeNames.Of(b.DefaultLockingMode)),
    ])).ToList();

    /// <summary>
    /// A PIF per bridge uplink (a VLAN network's is the pseudo-PIF eth1.5, with its VLAN), and one per bond
    /// member, which belongs to no network and points at its bond (xe's bond-slave-of).
    /// </summary>
    public static List<XeRecord> Pifs(IEnumerable<Bridge> bridges, IEnumerable<Pif> pifs) => bridges.Where(b
        => b.Uplink is not null).Select(b => new XeRecord(
    [
        new("uuid", "RO", b.Uplink!.Uuid),
        new("device", "RO", b.Uplink.Name),
        new("MAC", "RO", b.Uplink.Device.Mac.ToString()),
        new("VLAN", "RO", b.Vlan == 0 ? "-1" : b.Vlan.ToString(CultureInfo.InvariantCulture)),
        new("network-uuid", "RO", b.Uuid),
        new("network-name-label", "RO", b.NameLabel),
        new("bridge", "RO", b.Name),
        new("IP-configuration-mode", "RO", b.Management is null ? "None" : "Static"),
        new("IP", "RO", b.Management?.Ip.ToString() ?? ""),
        new("netmask", "RO", b.Management?.Netmask.ToString() ?? ""),
        new("other-config", "MRW", Map(b.PifOtherConfig)),
        new("bond-master-of", "SRO", b.Pif?.Bond?.Uuid ?? ""),
        new("bond-slave-of", "RO", ""),
        new("currently-attached", "RO", b.Pif!.Present ? "true" : "false"),
    ])).Concat(pifs.Where(p => p.IsBond).SelectMany(bond => bond.Members.Select(member => new XeRecord(
    [
        new("uuid", "RO", member.Uuid),
        new("device", "RO", member.Name),
        new("MAC", "RO", member.Device?.Mac.ToString() ?? ""),
        new("VLAN", "RO", "-1"),
        new("network-uuid", "RO", ""),
        new("network-name-label", "RO", ""),
        new("bridge", "RO", ""),
        new("IP-configuration-mode", "RO", "None"),
        new("IP", "RO", ""),
        new("netmask", "RO", ""),
        new("other-config", "MRW", ""),
        new("bond-master-of", "SRO", ""),
        new("bond-slave-of", "RO", bond.Bond!.Uuid),
        new("currently-attached", "RO", member.Present ? "true" : "false"),
    ])))).ToList();

    public static List<XeRecord> Vifs(IEnumerable<Bridge> bridges) => bridges.SelectMany(b =>
        b.Guests.Select(p => Vif(b, p.Uuid, p.Name, p.Kind, p.ConfiguredMac?.ToString(), true,
                LockingModeNames.Of(p.Locking.Mode), Addresses(p.Locking.Ipv4Allowed), Addresses(p.Locking.Ipv6Allowed)))
            .Concat(b.Absent.Select(p => Vif(b, p.Uuid ?? "", p.Name, p.Kind, p.Mac, false,
                p.LockingMode ?? LockingModeNames.Of(LockingMode.NetworkDefault), string.Join("; ", p.Ipv4Allowed ?? []),
                string.Join("; ", p.Ipv6Allowed ?? []))))).ToList();

    private static string Addresses(IReadOnlyList<System.Net.IPAddress> addresses) => string.Join("; ", addresses);

    private static XeRecord Vif(Bridge bridge, string uuid, string device, PortKind kind, string? mac, bool attached,
        string locking, string ipv4, string ipv6) => new(
    [
        new("uuid", "RO", uuid),
        new("device", "RO", device),
        // A raw port's guest MAC is whatever the guest uses; only taps and VIFs were given one.
        new("MAC", "RO", mac ?? ""),
        new("vm", "RO", Names.VifDomain(device)?.ToString(CultureInfo.InvariantCulture) ?? ""),
        new("network-uuid", "RO", bridge.Uuid),
        new("network-name-label", "RO", bridge.NameLabel),
        new("kind", "RO", kind.ToString().ToLowerInvariant()),
        new("currently-attached", "RO", attached ? "true" : "false"),
        new("locking-mode", "RW", locking),
        new("ipv4-allowed", "SRW", ipv4),
        new("ipv6-allowed", "SRW", ipv6),
    ]);

    private static string Map(IReadOnlyDictionary<string, string> map) =>
        string.Join("; ", map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
}
