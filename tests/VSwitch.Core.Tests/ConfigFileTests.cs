using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Ports;

namespace VSwitch.Core.Tests;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vswitch-config-").FullName;
    private string PathOf(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MissingFile_IsAnEmptySwitch() => Assert.Empty(ConfigFile.Load(PathOf("none.json")).Bridges);

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t")]
    public void AnEmptyFile_IsRefused_NotTakenAsNoBridges(string text)
    {
        File.WriteAllText(PathOf("empty.json"), text);
        Assert.Contains("is empty", Assert.Throws<ConfigException>(() => ConfigFile.Load(PathOf("empty.json"))).Message);
    }

    [Fact]
    public void SaveThenLoad_RoundTrips_AndLeavesNoTemporaryFile()
    {
        var config = new SwitchConfig
        {
            Workers = 2,
            Bridges = [new BridgeConfig { Name = "xenbr0", Pif = "eth0", Ports = [new PortConfig { Name = "vif1.0",
                Kind = PortKind.Tap, Mac = "02:00:00:00:00:01" }] }],
        };
        ConfigFile.SaveAtomically(PathOf("c.json"), config);
        var loaded = ConfigFile.Load(PathOf("c.json"));
        Assert.Equal(ConfigFile.Serialize(config), ConfigFile.Serialize(loaded));
        Assert.Equal(["c.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"vif1.0\", \"kind\": \"tun\"}]}]}",
        "$.bridges[0].ports[0].kind")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"agieng\": 5}]}", "agieng")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ageingSeconds\": \"soon\"}]}", "$.bridges[0].ageingSeconds")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ageingSeconds\": -5}]}", "$.bridges[0].ageingSeconds")]
    [InlineData("{\"bridges\": [{\"name\": \"this-name-is-too-long\"}]}", "$.bridges[0].name")]
    [InlineData("{\"bridges\": [{\"name\": \"a\", \"ports\": [{\"name\": \"p\", \"kind\": \"tap\", \"mac\": " +
        "\"01:00:00:00:00:01\"}]}]}", "$.bridges[0].ports[0].mac")]
    [InlineData("{\"bridges\": [{\"name\": \"a\", \"ports\": [{\"name\": \"p\", \"kind\": \"raw\"}]}, {\"name\": " +
        "\"b\", \"ports\": [{\"name\": \"p\", \"kind\": \"raw\"}]}]}", "already a port of bridge 'a'")]
    [InlineData("{\"logLevel\": \"Loud\"}", "$.logLevel")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"uuid\": \"not-a-uuid\"}]}",
        "$.bridges[0].uuid: 'not-a-uuid' is not a UUID")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"vif1.0\", \"kind\": \"vif\"}]}]}",
        "$.bridges[0].ports[0].mac: a VIF needs the guest's MAC")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"guest\", \"kind\": \"vif\", \"mac\": " +
        "\"02:00:00:00:00:01\"}]}]}", "$.bridges[0].ports[0].name: VIF 'guest'")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"management\": {\"ip\": \"198.18.0.1\", \"netmask\": " +
        "\"255.255.255.0\"}}]}", "only an external bridge")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"staticMacs\": [{\"mac\": \"02:00:00:00:00:01\", \"port\": " +
        "\"nosuch\"}]}]}", "$.bridges[0].staticMacs[0].port")]
    [InlineData("{\"bridges\": [{\"name\": \"a\", \"uuid\": \"0b6c3f7e-1d2a-4c5b-8e9f-0a1b2c3d4e5f\"}, {\"name\": " +
        "\"b\", \"uuid\": \"0b6c3f7e-1d2a-4c5b-8e9f-0a1b2c3d4e5f\"}]}", "is used twice")]
    [InlineData("{\"bridges\": [", "line")]
    [InlineData("{\"fdb\": {\"maxEntries\": 2000000000}}", "$.fdb.maxEntries: must be from 1 to 4,194,304")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"nameLabel\": \"a\\nb\"}]}", "$.bridges[0].nameLabel")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"defaultLockingMode\": \"locked\"}]}",
        "$.bridges[0].defaultLockingMode")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"v\", \"kind\": \"raw\", " +
        "\"lockingMode\": \"locked\"}]}]}", "a port without a mac of its own cannot be locked")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"t\", \"kind\": \"tap\", " +
        "\"ipv4Allowed\": [\"2001:db8::1\"]}]}]}", "$.bridges[0].ports[0].ipv4Allowed")]
    [InlineData("{\"bridges\": [{\"name\": \"xapi1\", \"ports\": [{\"name\": \"t\", \"kind\": \"tap\", " +
        "\"macLimit\": 0}]}]}", "$.bridges[0].ports[0].macLimit")]
    [InlineData("{\"bridges\": [{\"name\": \"hr-\u00e9\"}]}", "printable ASCII")]
    public void MalformedConfig_IsRefused_NamingTheField(string json, string expected)
    {
        File.WriteAllText(PathOf("bad.json"), json);
        var error = Assert.Throws<ConfigException>(() => ConfigFile.Load(PathOf("bad.json")));
        Assert.Contains(expected, error.Message);
        Assert.Contains("bad.json", error.Message);
    }
}
