namespace VSwitch.Core.Protocol;

/// <summary>Every command vswitchctl knows, in the order help lists them.</summary>
public static class CommandCatalog
{
    private static readonly Dictionary<string, bool> None = [];
    private static readonly Dictionary<string, bool> Json = new() { ["json"] = false };

    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("addbr", "addbr BRIDGE [--pif DEVICE]", "create a bridge; with --pif, DEVICE becomes its uplink and the bridge is external",
            "vswitchctl addbr xenbr0 --pif eth0", 1, 1, new Dictionary<string, bool> { ["pif"] = true }),
        new("delbr", "delbr BRIDGE [--force]", "delete a bridge; refused while it has ports unless --force",
            "vswitchctl delbr xapi1", 1, 1, new Dictionary<string, bool> { ["force"] = false }),
        new("addif", "addif BRIDGE DEVICE", "attach an existing interface (veth, NIC, a TAP QEMU opened) as a raw port",
            "vswitchctl addif xapi1 veth-guest1", 2, 2, None),
        new("delif", "delif BRIDGE PORT", "detach a port (raw or tap) from a bridge",
            "vswitchctl delif xapi1 veth-guest1", 2, 2, None),
        new("addtap", "addtap BRIDGE NAME [--mac MAC]", "create a switch-owned TAP port; its kernel side can be moved into a namespace",
            "vswitchctl addtap xapi1 vif1.0", 2, 2, new Dictionary<string, bool> { ["mac"] = true }),
        new("show", "show [BRIDGE]", "list bridges and their interfaces, as brctl show",
            "vswitchctl show", 0, 1, None),
        new("showmacs", "showmacs BRIDGE", "list the learned and local MACs of a bridge, as brctl showmacs",
            "vswitchctl showmacs xapi1", 1, 1, None),
        new("setageing", "setageing BRIDGE SECONDS", "set how long a learned MAC lives without traffic (0: forever)",
            "vswitchctl setageing xapi1 300", 2, 2, None),
        new("stats", "stats [PORT] [--json]", "per-port RX/TX packets and bytes, drops by reason",
            "vswitchctl stats vif1.0", 0, 1, Json),
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
