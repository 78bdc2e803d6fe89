using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;

namespace VSwitch.Fakes;

public sealed class FakeDatapath : IDatapath
{
    private readonly List<ushort> _gone = [];

    /// <summary>As a worker does when a port's health poll says the interface is gone.</summary>
    public void ReportGone(ushort index) => _gone.Add(index);
    public bool AnyGone => _gone.Count > 0;
    public IReadOnlyList<ushort> TakeGone()
    {
        var gone = _gone.ToList();
        _gone.Clear();
        return gone;
    }

    public ForwardingSnapshot Snapshot { get; private set; } = ForwardingSnapshot.Empty;
    public HashSet<ushort> Receiving { get; } = [];
    public IReadOnlyList<PortCounters> Counters { get; } = [new PortCounters()];

    public void Publish(ForwardingSnapshot snapshot) => Snapshot = snapshot;
    public void StartReceiving(ushort index, IPort device) => Expect(Receiving.Add(index), $"port {index} started twice");
    public void StopReceiving(ushort index, IPort device) => Expect(Receiving.Remove(index), $"port {index} stopped unstarted");
    /// <summary>The controller must start and stop each port once: a broken promise fails the test (or the fuzz
    /// run) at once.</summary>
    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }

    public void StopReceiving(IReadOnlyList<ushort> indexes)
    {
        foreach (ushort index in indexes) Expect(Receiving.Remove(index), $"port {index} stopped unstarted");
    }
}
