using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Ports;
using VSwitch.Core.Protocol;
using VSwitch.Daemon;
using VSwitch.Fakes;

namespace VSwitch.Fuzz.Targets;

/// <summary>
/// The control protocol: each line of the input is a request, as a client would send it, run against a fresh
/// switch with in-memory interfaces. Malformed JSON is the control server's to refuse (JsonException); every
/// request that parses must get an answer, never an exception.
/// </summary>
public sealed class ProtocolTarget : IFuzzTarget
{
    // A small FDB: each input builds a switch, and the default table is 16 MB to clear.
    private static readonly FdbLimits Small = new(1024, 256);

    public string Name => "protocol";

    public void Run(ReadOnlySpan<byte> input)
    {
        var factory = new FakePortFactory();
        foreach (string nic in new[] { "eth0", "eth1", "eth2", "veth1" })
            factory.Existing[nic] = new FakePort(nic, PortKind.Raw);
        using var controller = new SwitchController(factory, new FakeDatapath(), new ForwardingDatabase(Small),
            new SwitchConfig(), _ => { }, NullLogger.Instance);
        var dispatcher = new CommandDispatcher(controller);
        foreach (string line in Encoding.UTF8.GetString(input).Split('\n'))
        {
            ControlRequest? request;
            try
            {
                request = JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.ControlRequest);
            }
            catch (JsonException)
            {
                continue;
            }
            if (request is null) continue;
            var response = dispatcher.Execute(request);
            if (response.Ok == (response.Error is not null))
                throw new InvalidOperationException($"an answer must be output or an error: {line}");
        }
    }
}
