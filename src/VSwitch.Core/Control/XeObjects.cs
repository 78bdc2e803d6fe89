using System.Globalization;
using VSwitch.Core.Switching;

namespace VSwitch.Core.Control;

/// <summary>
/// XenServer's view of the switch: a network per bridge, a PIF per uplink, a VIF per guest port. Built
/// from the object model under the controller's lock, then filtered and printed by <see cref="XeFormat"/>.
/// </summary>
public static class XeObjects
{
    public static readonly string[] NetworkFields = ["uuid", "name-label", "bridge", "MAC", "PIF-uuids", "VIF-uuids", "other-config"];
    public static readonly string[] PifFields =
        ["uuid", "device", "MAC", "VLAN", "network-uuid", "network-name-label", "bridge", "IP-configuration-mode", "IP", "netmask", "other-config"];
    public static readonly string[] VifFields = ["uuid", "device", "MAC", "vm", "network-uuid", "network-name-label", "kind", "currently-attached"];

    public static List<XeRecord> Networks(IEnumerable<Bridge> bridges) => bridges.Select(b => new XeRecord(
    [
        new("uuid", "RO", b.Uuid),
        new("name-label", "RW", b.NameLabel),
        new("bridge", "RO", b.Name),
        new("MAC", "RO", b.Mac.ToString()),
        new("PIF-uuids", "SRO", b.Uplink?.Uuid ?? ""),
        new("VIF-uuids", "SRO", string.Join("; ", b.Guests.Select(p => p.Uuid).Concat(b.Absent.Select(p => p.Uuid ?? "")))),
        new("other-config", "MRW", Map(b.OtherConfig)),
    ])).ToList();

    public static List<XeRecord> Pifs(IEnumerable<Bridge> bridges) => bridges.Where(b => b.Uplink is not null).Select(b => new XeRecord(
    [
        new("uuid", "RO", b.Uplink!.Uuid),
        new("device", "RO", b.Uplink.Name),
        new("MAC", "RO", b.Uplink.Device.Mac.ToString()),
        new("VLAN", "RO", "-1"),
        new("network-uuid", "RO", b.Uuid),
        new("network-name-label", "RO", b.NameLabel),
        new("bridge", "RO", b.Name),
        new("IP-configuration-mode", "RO", b.Management is null ? "None" : "Static"),
        new("IP", "RO", b.Management?.Ip.ToString() ?? ""),
        new("netmask", "RO", b.Management?.Netmask.ToString() ?? ""),
        new("other-config", "MRW", Map(b.PifOtherConfig)),
    ])).ToList();

    public static List<XeRecord> Vifs(IEnumerable<Bridge> bridges) => bridges.SelectMany(b =>
        b.Guests.Select(p => Vif(b, p.Uuid, p.Name, p.Kind, p.ConfiguredMac?.ToString(), true))
            .Concat(b.Absent.Select(p => Vif(b, p.Uuid ?? "", p.Name, p.Kind, p.Mac, false)))).ToList();

    private static XeRecord Vif(Bridge bridge, string uuid, string device, PortKind kind, string? mac, bool attached) => new(
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
    ]);

    private static string Map(IReadOnlyDictionary<string, string> map) =>
        string.Join("; ", map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
}
