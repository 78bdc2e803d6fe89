namespace VSwitch.Core.Protocol;

/// <summary>Every command vswitchctl knows, in the order help lists them.</summary>
public static class CommandCatalog
{
    private const int Many = 16;
    private static readonly Dictionary<string, bool> None = [];
    private static readonly Dictionary<string, bool> Json = new() { ["json"] = false };

    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        // brctl's commands
        new("addbr", "addbr BRIDGE [--pif DEVICE|BOND [--vlan ID]]",
            "create a bridge; with --pif it is external, and with --vlan it is the VLAN network ID on that pif " +
                "(shown as pif DEVICE.ID)",
            "vswitchctl addbr xapi5 --pif eth1 --vlan 5", 1, 1, new Dictionary<string, bool> { ["pif"] = true,
                ["vlan"] = true }),
        new("delbr", "delbr BRIDGE [--force]", "delete a bridge; refused while it has ports unless --force",
            "vswitchctl delbr xapi1", 1, 1, new Dictionary<string, bool> { ["force"] = false }),
        new("addif", "addif BRIDGE DEVICE", "attach an existing interface (veth, NIC, a TAP QEMU opened) as a raw port",
            "vswitchctl addif xapi1 veth-guest1", 2, 2, None),
        new("delif", "delif BRIDGE PORT", "detach a port (raw or tap) from a bridge",
            "vswitchctl delif xapi1 veth-guest1", 2, 2, None),
        new("show", "show [BRIDGE] [--json]", "list bridges and their interfaces, as brctl show",
            "vswitchctl show", 0, 1, Json),
        new("showmacs", "showmacs BRIDGE [--json]",
            "list the MACs of a bridge, as brctl showmacs; static entries are marked 'static'",
            "vswitchctl showmacs xapi1", 1, 1, Json),
        new("setageing", "setageing BRIDGE SECONDS", "set how long a learned MAC lives without traffic (0: forever)",
            "vswitchctl setageing xapi1 300", 2, 2, None),
        new("stp", "stp BRIDGE on|off",
            "spanning tree: not implemented, so 'on' is refused and 'off' is what every bridge does",
            "vswitchctl stp xapi1 off", 2, 2, None),
        // ports for guests
        new("addtap", "addtap BRIDGE NAME [--mac MAC]",
            "create a switch-owned TAP port; its kernel side can be moved into a namespace",
            "vswitchctl addtap xapi1 tap-ns1", 2, 2, new Dictionary<string, bool> { ["mac"] = true }),
        new("addvif", "addvif BRIDGE vif<DOMID>.<N> [--owner USER] [--mac MAC]",
            "create a persistent TAP for a QEMU guest, attach it, and print the QEMU arguments; it survives " +
                "vswitchd restarts",
            "vswitchctl addvif xapi1 vif3.0 --owner qemu", 2, 2, new Dictionary<string, bool> { ["owner"] = true,
                ["mac"] = true }),
        new("addsock", "addsock BRIDGE NAME [--owner USER] [--mac MAC] [--mtu MTU]",
            "create a stream port: a Unix socket (owned by USER) QEMU connects to with -netdev stream, no TAP, no " +
                "root; print the QEMU arguments. " +
            "--mtu is the guest's (default 1500): larger frames to it are dropped",
            "vswitchctl addsock xapi1 vm7 --owner qemu", 2, 2, new Dictionary<string, bool> { ["mac"] = true,
                ["owner"] = true, ["mtu"] = true }),
        new("delvif", "delvif NAME", "detach a VIF and delete its TAP",
            "vswitchctl delvif vif3.0", 1, 1, None),
        new("trunk", "trunk PORT VLANS|none",
            "let a guest that tags its own frames use these VLANs (like 10,20-30); none: untagged only",
            "vswitchctl trunk vif3.0 10,20-30", 2, 2, None),
        new("maclimit", "maclimit PORT N|default",
            "learn at most N MACs on a guest port or a pif (default: fdb.maxEntriesPerPort); the refusals are counted",
            "vswitchctl maclimit vif3.0 16", 2, 2, None),
        // bonds
        new("addbond",
            "addbond BOND NIC NIC… [--mode active-backup|balance-slb] [--mac MAC] [--primary NIC] [--updelay MS] " +
            "[--downdelay MS]",
            "make a PIF of two or more NICs; bridges use it with --pif BOND",
            "vswitchctl addbond bond0 eth1 eth2 --primary eth1 --updelay 200", 3, Many,
            new Dictionary<string, bool> { ["mode"] = true, ["mac"] = true, ["primary"] = true, ["updelay"] = true,
                ["downdelay"] = true }),
        new("delbond", "delbond BOND", "delete a bond; refused while a bridge uses it",
            "vswitchctl delbond bond0", 1, 1, None),
        new("bond", "bond show [BOND]", "a bond's mode, active member, each member's link state and the failover count",
            "vswitchctl bond show bond0", 1, 2, None),
        // the forwarding database
        new("fdb", "fdb add BRIDGE MAC PORT | fdb del BRIDGE MAC | fdb flush BRIDGE [PORT]",
            "static FDB entries (persisted, never age) and flushing learned ones",
            "vswitchctl fdb add xapi1 02:00:00:00:00:01 vif1.0", 2, 4, None),
        // XenServer's objects
        new("network-list", "network-list [PARAM=VALUE…] [params=P1,P2|all] [--json]",
            "networks (bridges) as xe lists them, filtered by PARAM=VALUE",
            "vswitchctl network-list bridge=xenbr0", 0, Many, Json),
        new("pif-list", "pif-list [PARAM=VALUE…] [params=P1,P2|all] [--json]", "PIFs (bridge uplinks) as xe lists them",
            "vswitchctl pif-list device=eth0", 0, Many, Json),
        new("vif-list", "vif-list [PARAM=VALUE…] [params=P1,P2|all] [--json]", "VIFs (guest ports) as xe lists them",
            "vswitchctl vif-list vm=3", 0, Many, Json),
        new("network-param-set",
            "network-param-set uuid=UUID name-label=TEXT|default-locking-mode=unlocked|disabled|other-config:KEY=VALUE…",
            "set a network's name-label, its ports' default locking mode, or free-form other-config",
            "vswitchctl network-param-set uuid=… other-config:owner=lab", 2, Many, None),
        new("vif-param-set",
            "vif-param-set uuid=UUID locking-mode=network_default|locked|unlocked|disabled|ipv4-allowed=A,B|ipv6-allowed=A,B…",
            "lock a VIF to its MAC and allowed addresses (locked), or drop all its traffic (disabled)",
            "vswitchctl vif-param-set uuid=… locking-mode=locked ipv4-allowed=198.18.1.3", 2, Many, None),
        new("vif-param-add", "vif-param-add uuid=UUID param-name=ipv4-allowed|ipv6-allowed param-key=ADDRESS",
            "allow a locked VIF one more address",
            "vswitchctl vif-param-add uuid=… param-name=ipv4-allowed param-key=198.18.1.4", 3, 3, None),
        new("vif-param-remove", "vif-param-remove uuid=UUID param-name=ipv4-allowed|ipv6-allowed param-key=ADDRESS",
            "take an address from a VIF's allowed ones",
            "vswitchctl vif-param-remove uuid=… param-name=ipv4-allowed param-key=198.18.1.4", 3, 3, None),
        new("pif-param-set", "pif-param-set uuid=UUID other-config:KEY=VALUE…", "set a PIF's free-form other-config",
            "vswitchctl pif-param-set uuid=… other-config:rack=b3", 2, Many, None),
        new("pif-reconfigure-ip", "pif-reconfigure-ip uuid=UUID mode=static|none [IP=ADDRESS netmask=MASK]",
            "put the management address on the PIF's bridge interface (where XenServer keeps it), or remove it",
            "vswitchctl pif-reconfigure-ip uuid=… mode=static IP=192.0.2.10 netmask=255.255.255.0", 2, 4, None),
        // observing
        new("stats", "stats [BRIDGE|PORT] [--json]",
            "RX/TX packets, bytes, errors and drops per bridge and port, drops by reason",
            "vswitchctl stats vif1.0", 0, 1, Json),
        new("capture", "capture PORT [-c COUNT] -w FILE|-",
            "write the frames a port receives and sends as pcap (tcpdump -r reads it); - is standard output",
            "vswitchctl capture vif1.0 -c 100 -w vif1.pcap", 1, 1, new Dictionary<string, bool> { ["c"] = true,
                ["w"] = true }),
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
