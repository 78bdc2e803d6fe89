using VSwitch.Core.Control;
using VSwitch.Linux.Ports;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// A port's receive side as the workers see it: the port, the worker whose epoll watches it, and a claim
/// that lets exactly one worker at a time read and switch its frames. Frames of one port therefore stay in
/// order even when a worker other than the owner picks up a reply (see <see cref="Worker"/>'s hand-off).
/// </summary>
internal sealed class ReceiveSlot(ILinuxPort port, ushort index, Worker home)
{
    private int _claimed;
    private Worker _owner = home;

    public ILinuxPort Port { get; } = port;
    public ushort Index { get; } = index;

    /// <summary>The worker the port was given when it was added; it goes back there when its traffic gets
    /// heavy.</summary>
    public Worker Home { get; } = home;

    /// <summary>The worker whose epoll watches the port now: <see cref="Home"/>, or a worker that adopted it.</summary>
    public Worker Owner => Volatile.Read(ref _owner);

    /// <summary>One uncontended compare-and-swap per batch, never a wait: a worker that loses simply moves on,
    /// and the epoll (level-triggered) reports the port again if frames are still there.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    public void Release() => Volatile.Write(ref _claimed, 0);

    /// <summary>
    /// Moves the port into <paramref name="worker"/>'s epoll. Only under the claim, so two workers never move
    /// it at once; a frame that arrives meanwhile is not lost, since adding a ready descriptor to an epoll
    /// reports it at once, and a stale event at the old owner finds the claim or an empty port.
    /// </summary>
    /// <returns>false if <paramref name="worker"/>'s epoll refused the port, which then stays with its owner.</returns>
    public bool MoveTo(Worker worker)
    {
        var from = Owner;
        if (from == worker) return true;
        if (!worker.TryWatch(Port, Index)) return false;
        from.Unwatch(Port);
        Volatile.Write(ref _owner, worker);
        return true;
    }
}
