namespace VSwitch.Integration.Tests;

/// <summary>
/// VSwitch with xenbr1 (untagged), xapi5 and xapi7 (VLAN 5 and 7) on one veth pif, whose other end is the
/// trunk port of Open vSwitch's userspace datapath; OVS has access ports for VLAN 5 (host 198.18.0.105),
/// VLAN 7 (198.18.0.107) and untagged (198.18.0.100), each into its own namespace (h5, h7, h0).
/// </summary>
public static class OvsVlanLab
{
    /// <summary>The lab: returns the OVS namespace; the upstream trunk port is "trunk0" there.</summary>
    public static OvsUpstream Build(SwitchLab lab, out string upstream)
    {
        upstream = lab.AddNamespace("ovs");
        string pif = $"{lab.Id}eth1";
        Shell.MustSh($"ip link add {pif} netns {lab.SwitchNs} type veth peer name trunk0 netns {upstream} && ip -n " +
            $"{upstream} link set trunk0 up");
        var ovs = new OvsUpstream(lab, upstream);
        ovs.Vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
        ovs.Vsctl("add-port", "br0", "trunk0");
        foreach (var (name, vlan, address) in new[] { ("h5", 5, "198.18.0.105"), ("h7", 7, "198.18.0.107"), ("h0", 0,
            "198.18.0.100") })
        {
            string host = lab.AddNamespace(name);
            Shell.MustSh($"ip link add a-{name} netns {upstream} type veth peer name eth0 netns {host} && ip -n " +
                $"{upstream} link set a-{name} up && " +
                         $"ip -n {host} addr add {address}/24 dev eth0 && ip -n {host} link set eth0 up");
            if (vlan == 0) ovs.Vsctl("add-port", "br0", $"a-{name}", "--", "set", "port", $"a-{name}",
                "vlan_mode=access", "tag=0");
            else ovs.Vsctl("add-port", "br0", $"a-{name}", "--", "set", "port", $"a-{name}", $"tag={vlan}");
        }
        // Untagged frames on the trunk belong to VLAN 0 (OVS's native VLAN), like those of access port a-h0.
        ovs.Vsctl("set", "port", "trunk0", "vlan_mode=native-untagged", "tag=0", "trunks=0,5,7,100");
        lab.MustCtl("addbr", "xenbr1", "--pif", pif);
        lab.MustCtl("addbr", "xapi5", "--pif", pif, "--vlan", "5");
        lab.MustCtl("addbr", "xapi7", "--pif", pif, "--vlan", "7");
        return ovs;
    }

}
