using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

/// <summary>Golden output of the xe-style *-list commands, and their filters, from a config with fixed UUIDs.</summary>
public class XeListTests
{
    private const string NetworkUuid = "0b6c3f7e-1d2a-4c5b-8e9f-0a1b2c3d4e5f";
    private const string PifUuid = "1c7d4a8f-2e3b-4d6c-9fa0-1b2c3d4e5f60";
    private const string InternalUuid = "2d8e5b9a-3f4c-4e7d-a0b1-2c3d4e5f6071";
    private const string VifUuid = "3e9f6cab-4a5d-4f8e-b1c2-3d4e5f607182";
    private const string TapUuid = "4fa07dbc-5b6e-4a9f-c2d3-4e5f60718293";

    private readonly SwitchController _controller;
    private readonly FakePortFactory _factory = new();

    public XeListTests()
    {
        _factory.Existing["eth0"] = new FakePort("eth0", PortKind.Raw, MacAddress.Parse("52:54:00:12:34:56"));
        _controller = new SwitchController(_factory, new FakeDatapath(), new ForwardingDatabase(), new SwitchConfig(),
            null, NullLogger.Instance);
        _controller.Restore(new SwitchConfig
        {
            Bridges =
            [
                new BridgeConfig
                {
                    Name = "xenbr0", Uuid = NetworkUuid, NameLabel = "Pool-wide network associated with eth0", Pif = "eth0", PifUuid = PifUuid,
                    PifOtherConfig = new() { ["rack"] = "b3" },
                    Management = new ManagementAddressConfig { Ip = "192.0.2.10", Netmask = "255.255.255.0" },
                },
                new BridgeConfig
                {
                    Name = "xapi1", Uuid = InternalUuid, OtherConfig = new() { ["owner"] = "lab",
                        ["automatic"] = "false" },
                    Ports =
                    [
                        new PortConfig { Name = "vif3.0", Uuid = VifUuid, Kind = PortKind.Vif,
                            Mac = "02:00:00:00:03:00" },
                        new PortConfig { Name = "tap-ns1", Uuid = TapUuid, Kind = PortKind.Tap,
                            Mac = "06:00:00:00:00:01" },
                    ],
                },
            ],
        });
    }

    private string List(Func<IEnumerable<Bridge>, List<XeRecord>> build, string[] fields, params string[] arguments) =>
        _controller.Read(bridges => XeFormat.Text(XeFormat.Select("test-list", build(bridges), fields, arguments)));

    private string PifList(params string[] arguments) =>
        _controller.Read((bridges, pifs) => XeFormat.Text(XeFormat.Select("pif-list", XeObjects.Pifs(bridges, pifs),
            XeObjects.PifFields, arguments)));

    [Fact]
    public void NetworkList_PrintsXeStyle()
    {
        Assert.Equal(
            $"""
            uuid ( RO)                : {InternalUuid}
                      name-label ( RW): xapi1
                          bridge ( RO): xapi1
                             MAC ( RO): fe:ff:ff:ff:ff:ff
                       PIF-uuids (SRO): 
                       VIF-uuids (SRO): {VifUuid}; {TapUuid}
                    other-config (MRW): automatic: false; owner: lab
            default-locking-mode ( RW): unlocked


            uuid ( RO)                : {NetworkUuid}
                      name-label ( RW): Pool-wide network associated with eth0
                          bridge ( RO): xenbr0
                             MAC ( RO): 52:54:00:12:34:56
                       PIF-uuids (SRO): {PifUuid}
                       VIF-uuids (SRO): 
                    other-config (MRW): 
            default-locking-mode ( RW): unlocked



            """.Replace("\r", ""),
            List(XeObjects.Networks, XeObjects.NetworkFields));
    }

    [Fact]
    public void PifList_PrintsXeStyle_WithTheManagementAddressOfTheBridge()
    {
        Assert.Equal(
            $"""
            uuid ( RO)                 : {PifUuid}
                           device ( RO): eth0
                              MAC ( RO): 52:54:00:12:34:56
                             VLAN ( RO): -1
                     network-uuid ( RO): {NetworkUuid}
               network-name-label ( RO): Pool-wide network associated with eth0
                           bridge ( RO): xenbr0
            IP-configuration-mode ( RO): Static
                               IP ( RO): 192.0.2.10
                          netmask ( RO): 255.255.255.0
                     other-config (MRW): rack: b3
                   bond-master-of (SRO): 
                    bond-slave-of ( RO): 
               currently-attached ( RO): true



            """.Replace("\r", ""),
            PifList());
        Assert.Equal("192.0.2.10", _factory.Addresses["xenbr0"]!.Ip.ToString());
    }

    [Fact]
    public void VifList_FiltersByParam_AndSelectsFields()
    {
        Assert.Equal(
            $"""
            uuid ( RO): {VifUuid}
             MAC ( RO): 02:00:00:00:03:00
              vm ( RO): 3



            """.Replace("\r", ""),
            List(XeObjects.Vifs, XeObjects.VifFields, "vm=3", "params=uuid,MAC,vm"));
        Assert.Equal("", List(XeObjects.Vifs, XeObjects.VifFields, "vm=3", "kind=tap"));
        Assert.Contains($"device ( RO): tap-ns1", List(XeObjects.Vifs, XeObjects.VifFields,
            $"network-uuid={InternalUuid}", "kind=tap"));
    }

    [Theory]
    [InlineData("colour=blue", "unknown parameter 'colour'; the parameters are uuid, device, MAC, vm,")]
    [InlineData("params=uuid,colour", "unknown parameter 'colour'; the parameters are uuid, device, MAC, vm,")]
    [InlineData("vm", "is not param=value")]
    [InlineData("params=", "params= names the parameters to show")]
    [InlineData("params=,", "params= names the parameters to show")]
    public void BadListArguments_AreRefused_NamingTheParameter(string argument, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => List(XeObjects.Vifs, XeObjects.VifFields, argument));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void FieldLists_MatchTheRecordsTheyDescribe()
    {
        _controller.Read(bridges =>
        {
            Assert.Equal(XeObjects.NetworkFields, XeObjects.Networks(bridges)[0].Fields.Select(f => f.Name));
            Assert.Equal(XeObjects.PifFields, XeObjects.Pifs(bridges, [])[0].Fields.Select(f => f.Name));
            Assert.Equal(XeObjects.VifFields, XeObjects.Vifs(bridges)[0].Fields.Select(f => f.Name));
            return 0;
        });
    }

    [Fact]
    public void RestoredVif_WhoseTapIsGone_IsCreatedAgain()
    {
        Assert.True(_factory.Persistent.ContainsKey("vif3.0"));
    }
}
