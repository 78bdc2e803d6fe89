using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Ports;
using VSwitch.Fakes;

namespace VSwitch.Fuzz.Targets;

/// <summary>
/// The configuration file: parsed and validated, and what is accepted restored into a switch whose
/// interfaces are in memory. A bad file must be refused with a <see cref="ConfigException"/>; a file that
/// passes must restore without any other exception.
/// </summary>
public sealed class ConfigTarget : IFuzzTarget
{
    public string Name => "config";

    public void Run(ReadOnlySpan<byte> input)
    {
        SwitchConfig config;
        try
        {
            config = ConfigFile.Parse(Encoding.UTF8.GetString(input), "fuzz.json");
        }
        catch (ConfigException)
        {
            return;
        }
        var factory = new FakePortFactory();
        foreach (string nic in new[] { "eth0", "eth1", "eth2", "veth1" })
            factory.Existing[nic] = new FakePort(nic, PortKind.Raw);
        using var controller = new SwitchController(factory, new FakeDatapath(),
            new ForwardingDatabase(new FdbLimits(1024, Math.Min(config.Fdb.MaxEntriesPerPort, 1024))), config,
            _ => { }, NullLogger.Instance);
        controller.Restore(config);
        ConfigFile.Serialize(controller.CurrentConfig());
    }
}
