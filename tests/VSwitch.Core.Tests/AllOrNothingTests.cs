using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Protocol;
using VSwitch.Daemon;

namespace VSwitch.Core.Tests;

/// <summary>
/// Every mutating command is all-or-nothing: refused because the configuration cannot be written, it leaves
/// the running switch, the devices and the file as they were; accepted, the file says what is running.
/// </summary>
public class AllOrNothingTests : IDisposable
{
    private const string Static = "02:00:00:00:0a:01";
    private readonly FakePortFactory _factory = new();
    private readonly FakeDatapath _datapath = new();
    private readonly SwitchController _controller;
    private readonly CommandDispatcher _dispatcher;
    private SwitchConfig? _saved;
    private bool _diskFull;

    public AllOrNothingTests()
    {
        foreach (string nic in new[] { "eth0", "eth1", "eth2", "eth3", "eth4", "veth1" })
            _factory.Existing[nic] = new FakePort(nic, PortKind.Raw);
        _controller = new SwitchController(_factory, _datapath, new ForwardingDatabase(), new SwitchConfig(),
            Save, NullLogger.Instance);
        _dispatcher = new CommandDispatcher(_controller);
        foreach (string line in new[]
                 {
                     "addbond bond0 eth2 eth3", "addbr xenbr0 --pif eth0", "addbr xapi5 --pif eth0 --vlan 5",
                     "addbr xapi1", "addbr xapi2 --pif bond0", "addtap xapi1 tap1", "addif xenbr0 veth1",
                     "addvif xapi1 vif1.0", "addsock xapi1 sock1", $"fdb add xapi1 {Static} tap1", "trunk tap1 10",
                     "vif-param-set uuid={vif:vif1.0} ipv6-allowed=2001:db8::1",
                 })
            Assert.True(Run(Resolve(line)).Ok, line);
        Assert.True(Run($"pif-reconfigure-ip uuid={PifUuid("xenbr0")} mode=static IP=192.0.2.10 " +
            "netmask=255.255.255.0").Ok);
    }

    public static TheoryData<string> Changes() =>
    [
        "addbr br9", "addbr br9 --pif eth1", "addbr xapi7 --pif eth0 --vlan 7", "addbr xapi8 --pif bond0 --vlan 8",
        "delbr xapi1 --force", "delbr xapi5", "delbr xapi2",
        "addif xapi1 eth1", "delif xenbr0 veth1", "delif xapi1 tap1",
        "addtap xapi1 tap9", "addvif xapi1 vif9.0", "delvif vif1.0", "addsock xapi1 sock9",
        "addbond bond1 eth1 eth4", "trunk tap1 20", "trunk tap1 none", "setageing xapi1 10",
        $"fdb add xapi1 02:00:00:00:0a:02 tap1", $"fdb add xapi1 {Static} sock1", $"fdb del xapi1 {Static}",
        "network-param-set uuid={xapi1} name-label=lab other-config:rack=b3",
        "pif-param-set uuid={pif:xenbr0} other-config:rack=b3",
        "pif-reconfigure-ip uuid={pif:xenbr0} mode=none",
        "pif-reconfigure-ip uuid={pif:xenbr0} mode=static IP=192.0.2.11 netmask=255.255.255.0",
        "vif-param-set uuid={vif:tap1} locking-mode=locked ipv4-allowed=198.18.1.3",
        "vif-param-set uuid={vif:vif1.0} locking-mode=disabled",
        "vif-param-add uuid={vif:tap1} param-name=ipv4-allowed param-key=198.18.1.4",
        "vif-param-remove uuid={vif:vif1.0} param-name=ipv6-allowed param-key=2001:db8::1",
        "network-param-set uuid={xapi1} default-locking-mode=disabled",
        "maclimit tap1 8", "maclimit eth0 100",
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public void RefusedForAFullDisk_ChangesNothing(string line)
    {
        string before = Fingerprint();
        var file = _saved;
        _diskFull = true;

        var response = Run(Resolve(line));

        Assert.False(response.Ok, $"{line} was accepted with the configuration unwritable");
        Assert.Contains("No space left on device", response.Error);
        Assert.Contains("nothing was changed", response.Error);
        Assert.Equal(before, Fingerprint());
        Assert.Same(file, _saved);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void Accepted_TheFileSaysWhatIsRunning(string line)
    {
        var response = Run(Resolve(line));

        Assert.True(response.Ok, response.Error);
        Assert.Equal(ConfigFile.Serialize(_controller.CurrentConfig()), ConfigFile.Serialize(_saved!));
    }

    [Fact]
    public void DelbondRefusedForAFullDisk_ChangesNothing()
    {
        Assert.True(Run("delbr xapi2").Ok);
        string before = Fingerprint();
        _diskFull = true;

        Assert.False(Run("delbond bond0").Ok);

        Assert.Equal(before, Fingerprint());
        _diskFull = false;
        Assert.True(Run("delbond bond0").Ok);
        Assert.Empty(_saved!.Bonds);
    }

    private void Save(SwitchConfig config)
    {
        if (_diskFull) throw new IOException("No space left on device : '/etc/vswitch/.vswitch.json.tmp'");
        _saved = config;
    }

    private ControlResponse Run(string line)
    {
        var words = line.Split(' ');
        var request = new ControlRequest { Command = words[0] };
        for (int i = 1; i < words.Length; i++)
        {
            if (!words[i].StartsWith("--", StringComparison.Ordinal)) request.Args.Add(words[i]);
            else if (words[i] == "--force") request.Options["force"] = "true";
            else request.Options[words[i][2..]] = words[++i];
        }
        return _dispatcher.Execute(request);
    }

    private string Resolve(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"\{([^}]+)\}",
        m => m.Groups[1].Value switch
        {
            "xapi1" => _controller.Bridge("xapi1").Uuid,
            "pif:xenbr0" => PifUuid("xenbr0"),
            var vif => VifUuid(vif["vif:".Length..]),
        });

    private string VifUuid(string port) => _controller.Bridge("xapi1").Guests.Single(p => p.Name == port).Uuid;

    private string PifUuid(string bridge) => _controller.Bridge(bridge).Uplink!.Uuid!;

    /// <summary>All a refusal must leave alone: the running configuration, the published ports, the devices
    /// open, the persistent TAPs, the addresses and the FDB's entries.</summary>
    private string Fingerprint()
    {
        var text = new StringBuilder(ConfigFile.Serialize(_controller.CurrentConfig())).AppendLine();
        text.AppendLine(string.Join(",", _datapath.Snapshot.Ports.Where(p => p is not null)
            .Select(p => $"{p!.Index}:{p.Name}:{p.Role}:{p.TrunkVlans}:{p.Lock?.IsDisabled}:{_controller.Fdb.LimitOf(p.Index)}")));
        text.AppendLine(string.Join(",", _datapath.Snapshot.Bridges.Where(b => b is not null)
            .Select(b => $"{b!.Name}:{b.AgeingMilliseconds}:{string.Join('/', b.Ports)}")));
        text.AppendLine(string.Join(",", _datapath.Receiving.Order()));
        text.AppendLine(string.Join(",", _factory.Opened.Values.Where(p => !p.Disposed).Select(p => p.Name).Order()));
        text.AppendLine(string.Join(",", _factory.Persistent.Keys.Order()));
        text.AppendLine(string.Join(",", _factory.Addresses.Where(a => a.Value is not null)
            .Select(a => $"{a.Key}={a.Value!.Ip}/{a.Value.PrefixLength}").Order()));
        text.AppendLine(string.Join(",", _controller.Fdb.Entries(SwitchController.NowMilliseconds)
            .Select(e => $"{e.Domain}:{e.Mac}:{e.Port}:{e.IsStatic}")));
        return text.ToString();
    }

    public void Dispose() => _controller.Dispose();
}
