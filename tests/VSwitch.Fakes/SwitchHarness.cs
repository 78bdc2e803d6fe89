using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Config;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Fakes;

/// <summary>
/// A controller on fake ports with a pipeline on its published snapshot: frames go in on a named port
/// (or a PIF's physical link) and come out of the fake ports as they would be on the wire.
/// </summary>
public sealed class SwitchHarness : IDisposable
{
    public FakePortFactory Factory { get; } = new();
    public FakeDatapath Datapath { get; } = new();
    public List<SwitchConfig> Saved { get; } = [];
    public SwitchController Controller { get; }
    private readonly ForwardingPipeline _pipeline;
    private readonly PacketBatch _batch = new(8);

    public SwitchHarness(params string[] nics) : this(FdbLimits.Default, nics)
    {
    }

    /// <param name="limits">The FDB's; a small table is cheap to sweep (fuzzing flushes it per input).</param>
    public SwitchHarness(FdbLimits limits, params string[] nics)
    {
        int n = 1;
        foreach (var nic in nics)
            Factory.Existing[nic] = new FakePort(nic, PortKind.Raw, new MacAddress(0x5254_0000_0000UL | (uint)n++));
        var fdb = new ForwardingDatabase(limits);
        var addresses = new GuestAddresses();
        Controller = new SwitchController(Factory, Datapath, fdb, new SwitchConfig(), Saved.Add, NullLogger.Instance,
            addresses);
        _pipeline = new ForwardingPipeline(fdb, 8, Datapath.Counters[0], addresses: addresses);
    }

    public FakePort Port(string name) => Factory.Opened[name];

    /// <summary>A frame arrives on the physical link <paramref name="link"/> (role Link) or a bridge port.</summary>
    public void Receive(string name, byte[] frame, bool onLink = false, PacketOffload offload = default)
    {
        var snapshot = Datapath.Snapshot;
        var port = snapshot.Ports.First(p => p is not null && p.Name == name
            && (p.Role == PortRole.PifMember) == onLink)!;
        _batch.Count = 0;
        _batch.Add(frame, offload);
        _pipeline.Process(snapshot, port.Index, _batch, SwitchController.NowMilliseconds);
    }

    public long Drops(string name, DropReason reason, bool onLink = false)
    {
        var port = Datapath.Snapshot.Ports.First(p => p is not null && p.Name == name
            && (p.Role == PortRole.PifMember) == onLink)!;
        return Datapath.Counters[0].Read(port.Index, PortCounters.FirstDrop + (int)reason);
    }

    /// <summary>A link changes state, and the link monitor reports it.</summary>
    public void SetLink(string name, bool running)
    {
        if (running) Factory.Down.Remove(name);
        else Factory.Down.Add(name);
        var port = Factory.Opened[name];
        Controller.OnInterfaceEvent(running ? InterfaceEvents.Up(port) : InterfaceEvents.Down(port));
    }

    public void ClearSent()
    {
        foreach (var port in Factory.Opened.Values) port.Sent.Clear();
    }

    public void Dispose()
    {
        Controller.Dispose();
        _batch.Dispose();
    }
}
