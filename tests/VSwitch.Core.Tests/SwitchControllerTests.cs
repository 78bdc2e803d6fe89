using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

public class SwitchControllerTests
{
    private readonly FakePortFactory _factory = new();
    private readonly FakeDatapath _datapath = new();
    private readonly List<string> _saved = [];
    private readonly SwitchController _controller;

    public SwitchControllerTests()
    {
        _factory.Existing["eth0"] = new FakePort("eth0", PortKind.Raw, MacAddress.Parse("52:54:00:12:34:56"));
        _factory.Existing["veth1"] = new FakePort("veth1", PortKind.Raw);
        _factory.Existing["veth2"] = new FakePort("veth2", PortKind.Raw);
        // Other names of interfaces the switch holds (ip link property add … altname …).
        _factory.AltNames["xapi1-alt"] = "xapi1";
        _factory.AltNames["tap-alt"] = "vif1.0";
        _factory.AltNames["eth0-alt"] = "eth0";
        _controller = new SwitchController(_factory, _datapath, new ForwardingDatabase(), new SwitchConfig(),
            config => _saved.Add(ConfigFile.Serialize(config)), NullLogger.Instance);
    }

    [Fact]
    public void InternalBridge_HasTheXenServerMac_AndAHostInterfaceNamedAfterIt()
    {
        _controller.AddBridge("xapi1", null);
        var bridge = _controller.Bridge("xapi1");
        Assert.Equal(MacAddress.InternalBridge, bridge.Mac);
        Assert.Equal("xapi1", bridge.Host!.Name);
        Assert.Equal(PortRole.Host, bridge.Host.Role);
        Assert.Equal(MacAddress.InternalBridge, _factory.Opened["xapi1"].Mac);
        Assert.Equal(bridge.Host.Index, _controller.Fdb.Lookup(bridge.Domain, MacAddress.InternalBridge));
    }

    [Fact]
    public void APortWhoseInterfaceIsGone_IsDetachedAndKeptAsAbsent_AndAQuietCheckAllocatesNothing()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        _controller.AddInterface("xapi1", "veth2");
        int saves = _saved.Count;
        _controller.DetachGonePorts(); // nothing gone yet; also warms the path up for the count below
        long before = GC.GetAllocatedBytesForCurrentThread();
        _controller.DetachGonePorts();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        _datapath.ReportGone(_controller.Bridge("xapi1").Guests.Single(p => p.Name == "veth1").Index);
        _controller.DetachGonePorts();

        var bridge = _controller.Bridge("xapi1");
        Assert.Equal(["veth2"], bridge.Guests.Select(p => p.Name));
        Assert.Equal(["veth1"], bridge.Absent.Select(p => p.Name));
        Assert.True(_factory.Opened["veth1"].Disposed);
        // The configuration already holds the port, attached or absent alike: nothing to write.
        Assert.Equal(saves, _saved.Count);
        Assert.Contains("veth1", ConfigFile.Serialize(_controller.CurrentConfig()));
    }

    [Fact]
    public void ARawPortWhoseInterfaceIsDeleted_BecomesAbsent_ButATapMovedAwayStays()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        _controller.AddTap("xapi1", "vif1.0", null);

        // rtnetlink says RTM_DELLINK for both: the veth was deleted, the TAP moved to its guest's namespace.
        _controller.OnInterfaceEvent(InterfaceEvents.Deleted(_factory.Opened["veth1"]));
        _controller.OnInterfaceEvent(InterfaceEvents.Deleted(_factory.Opened["vif1.0"], movedTo: new InterfacePlace(3,
            2)));

        var bridge = _controller.Bridge("xapi1");
        Assert.Equal(["vif1.0"], bridge.Guests.Select(p => p.Name));
        Assert.Equal(["veth1"], bridge.Absent.Select(p => p.Name));
        _controller.DeleteInterface("xapi1", "veth1");
        Assert.Empty(bridge.Absent);
    }

    [Fact]
    public void ExternalBridge_TakesThePifsMac()
    {
        _controller.AddBridge("xenbr0", "eth0");
        var bridge = _controller.Bridge("xenbr0");
        Assert.Equal(MacAddress.Parse("52:54:00:12:34:56"), bridge.Mac);
        Assert.Equal("eth0", bridge.Uplink!.Name);
        Assert.Equal(bridge.Mac, _factory.Opened["xenbr0"].Mac);
        Assert.Contains("\"pif\": \"eth0\"", _saved.Last());
    }

    [Fact]
    public void EveryChange_IsPersistedAndPublished()
    {
        _controller.AddBridge("xapi1", null);
        var mac = _controller.AddTap("xapi1", "vif1.0", null);
        _controller.AddInterface("xapi1", "veth1");
        _controller.SetAgeing("xapi1", 30);

        Assert.Equal(4, _saved.Count);
        var config = _controller.CurrentConfig();
        var bridge = Assert.Single(config.Bridges);
        Assert.Equal(30, bridge.AgeingSeconds);
        Assert.Equal(["vif1.0", "veth1"], bridge.Ports.Select(p => p.Name));
        Assert.Equal(mac.ToString(), bridge.Ports[0].Mac);
        Assert.True(mac.IsLocallyAdministered && !mac.IsMulticast);
        var snapshotBridge = _datapath.Snapshot.Bridges[_controller.Bridge("xapi1").Domain]!;
        Assert.Equal(3, snapshotBridge.Ports.Length);
        Assert.Equal(3, _datapath.Receiving.Count);
    }

    [Fact]
    public void AgeFdb_FollowsEachBridgesAgeingTime_AsItChanges_AndForgetsADeletedBridge()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        var bridge = _controller.Bridge("xapi1");
        ushort port = bridge.FindPort("veth1")!.Index;
        var mac = MacAddress.Parse("02:00:00:00:00:07");
        _controller.Fdb.Learn(bridge.Domain, mac, port, 0);

        _controller.SetAgeing("xapi1", 10);
        Assert.Equal(0, _controller.AgeFdb(5_000));            // 5 s old: younger than 10 s
        _controller.SetAgeing("xapi1", 0);                     // never age: the table is rebuilt
        Assert.Equal(0, _controller.AgeFdb(60_000));
        _controller.SetAgeing("xapi1", 30);
        Assert.Equal(1, _controller.AgeFdb(60_000));           // 60 s old: older than 30 s
        Assert.Equal(0, (int)_controller.Fdb.Lookup(bridge.Domain, mac));

        // The bridge is deleted and a new one that never ages may take its domain: 30 s must not linger.
        _controller.DeleteBridge("xapi1", force: true);
        _controller.AddBridge("xapi2", null);
        _controller.SetAgeing("xapi2", 0);
        var again = _controller.Bridge("xapi2");
        _controller.Fdb.Learn(again.Domain, mac, again.Host!.Index, 0);
        Assert.Equal(0, _controller.AgeFdb(10_000_000));
    }

    public static TheoryData<string, string[], string> Refusals => new()
    {
        { "addbr", ["a-name-that-is-too-long"], "at most 15 bytes" },
        { "addbr", ["bad/name"], "may not contain '/'" },
        { "addbr", ["bad name"], "whitespace" },
        { "addbr", ["hr-é"], "printable ASCII (letters, digits and punctuation), without 'é' (U+00E9)" },
        { "addbr", ["tab\tname"], "without whitespace" },
        { "addtap", ["xapi1", "hr-ü1"], "printable ASCII" },
        { "addif", ["xapi1", "hr-ä1"], "printable ASCII" },
        { "addif", ["xapi2", "xapi1-alt"], "xapi1-alt is bridge xapi1's own interface" },
        { "addif", ["xapi2", "tap-alt"], "tap-alt is vif1.0, already a port of bridge xapi1" },
        { "addbr", ["xenbr9", "eth0-alt"], "eth0-alt is eth0, already a link of pif eth0" },
        { "addbr", ["xapi1"], "already exists" },
        { "addbr", ["xenbr9", "nosuch0"], "no such interface" },
        { "addif", ["nosuchbr", "veth2"], "bridge nosuchbr does not exist" },
        { "addif", ["xapi1", "nosuch0"], "does not exist" },
        { "addif", ["xapi1", "veth1"], "already a port of bridge xapi1" },
        { "addif", ["xapi2", "veth1"], "already a port of bridge xapi1" },
        { "addtap", ["xapi1", "vif9.0", "01:00:5e:00:00:01"], "multicast" },
        { "addtap", ["xapi1", "vif9.0", "not-a-mac"], "not a MAC address" },
        { "addtap", ["xapi1", "vif1.0"], "already a port" },
        { "delif", ["xapi1", "veth2"], "not a port of bridge xapi1" },
        { "delbr", ["xapi1"], "still has 3 port(s) (veth1, vif1.0, vif3.0)" },
        { "setageing", ["xapi1", "-1"], "0 (never) or more" },
        { "stp", ["xapi1", "on"], "spanning tree is not implemented" },
        { "stp", ["xapi1", "maybe"], "neither on nor off" },
        { "addvif", ["xapi1", "guest0"], "named vif<domid>.<n>" },
        { "addvif", ["xapi1", "vif2.0", "nobody-here"], "no such user" },
        { "addvif", ["xapi1", "vif2.0", "", "ff:ff:ff:ff:ff:ff"], "multicast" },
        { "addvif", ["xapi1", "veth2"], "named vif<domid>.<n>" },
        { "addvif", ["xapi1", "vif1.0"], "already a port of bridge xapi1" },
        { "addvif", ["nosuchbr", "vif2.0"], "bridge nosuchbr does not exist" },
        { "delvif", ["vif1.0"], "is not a VIF" },
        { "delvif", ["vif7.7"], "no VIF named vif7.7" },
        { "delif", ["xapi1", "vif3.0"], "delvif vif3.0 removes it" },
        { "delif", ["xenbr0", "eth0"], "is the uplink (pif) of bridge xenbr0" },
        { "fdb-add", ["xapi1", "01:00:5e:00:00:01", "veth1"], "cannot be a static FDB entry" },
        { "fdb-add", ["xapi1", "02:00:00:00:00:01", "veth2"], "veth2 is not a port of bridge xapi1" },
        { "fdb-add", ["xapi1", "fe:ff:ff:ff:ff:ff", "veth1"], "the bridge's own address" },
        { "fdb-del", ["xapi1", "02:00:00:00:00:01"], "has no entry for 02:00:00:00:00:01" },
        { "fdb-del", ["xapi1", "fe:ff:ff:ff:ff:ff"], "cannot be removed" },
        { "fdb-flush", ["xapi1", "veth2"], "veth2 is not a port of bridge xapi1" },
        { "network-param-set", ["{net}", "bridge", "x"], "cannot be set" },
        { "network-param-set", ["{net}", "name-label", ""], "may not be empty" },
        { "network-param-set", ["6e1d1c3a-0000-4000-8000-000000000000", "name-label", "x"], "no network with uuid" },
        { "pif-param-set", ["{pif}", "MAC", "x"], "cannot be set" },
        { "pif-param-set", ["{net}", "other-config:a", "x"], "no PIF with uuid" },
        { "pif-reconfigure-ip", ["{pif}", "dhcp"], "mode=dhcp is not supported" },
        { "pif-reconfigure-ip", ["{pif}", "static", "198.18.0.300", "255.255.255.0"], "not an IPv4 address" },
        { "pif-reconfigure-ip", ["{pif}", "static", "198.18.0.1"], "needs netmask=" },
        { "pif-reconfigure-ip", ["{pif}", "static", "224.0.0.1", "255.255.255.0"], "zero, multicast or loopback" },
        { "pif-reconfigure-ip", ["{pif}", "sometimes"], "not one of static, none" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void RefusedCommands_SayWhy_AndChangeNothing(string command, string[] args, string expected)
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddBridge("xapi2", null);
        _controller.AddInterface("xapi1", "veth1");
        _controller.AddTap("xapi1", "vif1.0", null);
        _controller.AddVif("xapi1", "vif3.0", null, null);
        _controller.AddBridge("xenbr0", "eth0");
        var config = _controller.CurrentConfig();
        string before = ConfigFile.Serialize(config);
        var xenbr0 = config.Bridges.Single(b => b.Name == "xenbr0");
        args = args.Select(a => a.Replace("{net}", xenbr0.Uuid).Replace("{pif}", xenbr0.PifUuid)).ToArray();
        int saves = _saved.Count;
        long version = _datapath.Snapshot.Version;
        int opened = _factory.Opened.Count;
        int persistent = _factory.Persistent.Count;
        var entries = _controller.Fdb.Entries(0).Count;

        var error = Assert.Throws<ConfigException>(() => Run(command, args));

        Assert.Contains(expected, error.Message);
        Assert.Equal(before, ConfigFile.Serialize(_controller.CurrentConfig()));
        Assert.Equal(saves, _saved.Count);
        Assert.Equal(version, _datapath.Snapshot.Version);
        Assert.Equal(opened, _factory.Opened.Count);
        Assert.Equal(persistent, _factory.Persistent.Count);
        Assert.Empty(_factory.Addresses);
        Assert.Equal(entries, _controller.Fdb.Entries(0).Count);
    }

    private void Run(string command, string[] a)
    {
        switch (command)
        {
            case "addbr": _controller.AddBridge(a[0], a.Length > 1 ? a[1] : null); break;
            case "addif": _controller.AddInterface(a[0], a[1]); break;
            case "addtap": _controller.AddTap(a[0], a[1], a.Length > 2 ? a[2] : null); break;
            case "delif": _controller.DeleteInterface(a[0], a[1]); break;
            case "delbr": _controller.DeleteBridge(a[0], false); break;
            case "setageing": _controller.SetAgeing(a[0], int.Parse(a[1])); break;
            case "stp": _controller.SetStp(a[0], a[1]); break;
            case "addvif": _controller.AddVif(a[0], a[1], a.Length > 2 && a[2] != "" ? a[2] : null, a.Length > 3 ? a[3]
                : null); break;
            case "delvif": _controller.DeleteVif(a[0]); break;
            case "fdb-add": _controller.FdbAdd(a[0], a[1], a[2]); break;
            case "fdb-del": _controller.FdbDelete(a[0], a[1]); break;
            case "fdb-flush": _controller.FdbFlush(a[0], a[1]); break;
            case "network-param-set": _controller.SetNetworkParams(a[0], [new(a[1], a[2])]); break;
            case "pif-param-set": _controller.SetPifParams(a[0], [new(a[1], a[2])]); break;
            case "pif-reconfigure-ip": _controller.ReconfigurePifIp(a[0], a[1], a.Length > 2 ? a[2] : null,
                a.Length > 3 ? a[3] : null); break;
            default: throw new ArgumentException($"no such command in this test: {command}");
        }
    }

    [Fact]
    public void MulticastMacRefusal_SuggestsALocallyAdministeredOne()
    {
        _controller.AddBridge("xapi1", null);
        var error = Assert.Throws<ConfigException>(() => _controller.AddTap("xapi1", "vif1.0", "03:00:00:00:00:01"));
        Assert.Contains("second hex digit is 2, 6, A or E", error.Message);
    }

    [Fact]
    public void DeviceThatFailsToOpen_LeavesNothingBehind()
    {
        _controller.AddBridge("xapi1", null);
        _factory.FailNextOpen = true;
        Assert.Throws<IOException>(() => _controller.AddInterface("xapi1", "veth1"));
        Assert.Empty(_controller.Bridge("xapi1").Guests);
        _controller.AddInterface("xapi1", "veth1"); // and it can be retried
    }

    [Fact]
    public void DelbrForce_ClosesEveryPortAndFlushesTheFdb()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        var domain = _controller.Bridge("xapi1").Domain;
        _controller.DeleteBridge("xapi1", force: true);
        Assert.True(_factory.Opened["veth1"].Disposed);
        Assert.True(_factory.Opened["xapi1"].Disposed);
        Assert.Empty(_datapath.Receiving);
        Assert.Empty(_controller.Fdb.Entries(0, domain));
        Assert.Empty(_controller.Bridges());
    }

    [Fact]
    public void Delif_FlushesThePortsEntries()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        var bridge = _controller.Bridge("xapi1");
        var port = bridge.Guests[0];
        _controller.Fdb.Learn(bridge.Domain, TestFrames.Mac(1), port.Index, 0);
        _controller.DeleteInterface("xapi1", "veth1");
        Assert.Equal(0, _controller.Fdb.Lookup(bridge.Domain, TestFrames.Mac(1)));
        Assert.True(_factory.Opened["veth1"].Disposed);
    }

    [Fact]
    public void Restore_KeepsAPortWhoseDeviceIsGone_AsAbsent()
    {
        var config = new SwitchConfig
        {
            Bridges = [new BridgeConfig { Name = "xapi1", AgeingSeconds = 60, Ports = [
                new PortConfig { Name = "veth1", Kind = PortKind.Raw },
                new PortConfig { Name = "gone0", Kind = PortKind.Raw }] }],
        };
        _controller.Restore(config);
        var bridge = _controller.Bridge("xapi1");
        Assert.Equal(60, bridge.AgeingSeconds);
        Assert.Equal("veth1", Assert.Single(bridge.Guests).Name);
        Assert.Equal("gone0", Assert.Single(bridge.Absent).Name);
        Assert.Equal(["veth1", "gone0"], _controller.CurrentConfig().Bridges[0].Ports.Select(p => p.Name));
        Assert.Contains("gone0 (absent)", BrctlFormat.Show(_controller.Bridges()));
    }

    [Fact]
    public void Show_PrintsBrctlFormat()
    {
        _controller.AddBridge("xenbr0", "eth0");
        _controller.AddInterface("xenbr0", "veth1");
        _controller.AddBridge("xapi1", null);
        Assert.Equal(
            "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n" +
            "xapi1\t\t8000.feffffffffff\tno\t\t\n" +
            "xenbr0\t\t8000.525400123456\tno\t\teth0\n" +
            "\t\t\t\t\t\t\tveth1\n",
            BrctlFormat.Show(_controller.Bridges()));
        Assert.Equal(
            """[{"bridge":"xapi1","bridgeId":"8000.feffffffffff","stp":false,"interfaces":[],"absent":[]},""" +
            """{"bridge":"xenbr0","bridgeId":"8000.525400123456","stp":false,"pif":"eth0","interfaces":["eth0","veth1"],"absent":[]}]""",
            System.Text.Json.JsonSerializer.Serialize(BrctlFormat.ShowJson(_controller.Bridges()),
                VSwitch.Daemon.Formats.FormatsJsonContext.Default.ListShowEntry));
    }

    [Fact]
    public void ShowMacs_PrintsBrctlFormat_WithLocalEntries()
    {
        _controller.AddBridge("xapi1", null);
        _controller.AddInterface("xapi1", "veth1");
        var bridge = _controller.Bridge("xapi1");
        _controller.Fdb.Learn(bridge.Domain, MacAddress.Parse("02:00:00:00:00:09"), bridge.Guests[0].Index, 1000);
        _controller.FdbAdd("xapi1", "02:00:00:00:00:01", "veth1");
        Assert.Equal(
            "port no\tmac addr\t\tis local?\tageing timer\n" +
            "  1\tfe:ff:ff:ff:ff:ff\tyes\t\t   0.00\n" +
            "  2\t02:00:00:00:00:01\tstatic\t\t   0.00\n" +
            "  2\t02:00:00:00:00:09\tno\t\t   2.50\n",
            BrctlFormat.ShowMacs(bridge, _controller.Fdb.Entries(3500, bridge.Domain)));
        Assert.Equal(
            """[{"portNumber":2,"port":"veth1","mac":"02:00:00:00:00:01","isLocal":false,"isStatic":true,"ageingTimer":0},""" +
            """{"portNumber":2,"port":"veth1","mac":"02:00:00:00:00:09","isLocal":false,"isStatic":false,"ageingTimer":2.5}]""",
            System.Text.Json.JsonSerializer.Serialize(BrctlFormat.MacEntries(bridge, _controller.Fdb.Entries(3500,
                bridge.Domain)).Skip(1).ToList(),
                VSwitch.Daemon.Formats.FormatsJsonContext.Default.ListMacEntry));
    }
}
