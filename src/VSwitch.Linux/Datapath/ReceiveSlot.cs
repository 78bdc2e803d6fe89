using VSwitch.Linux.Ports;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// A port's receive side as the workers see it: the port, the worker whose epoll watches it, and a claim
/// that lets exactly one worker at a time read and switch its frames. Frames of one port therefore stay in
/// order even when a worker other than the owner picks up a reply (see <see cref="Worker"/>'s hand-off).
/// </summary>
internal sealed class ReceiveSlot(ILinuxPort port, Worker owner)
{
    private int _claimed;

    public ILinuxPort Port { get; } = port;
    public Worker Owner { get; } = owner;

    /// <summary>One uncontended compare-and-swap per batch, never a wait: a worker that loses simply moves on,
    /// and the epoll (level-triggered) reports the port again if frames are still there.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    public void Release() => Volatile.Write(ref _claimed, 0);
}
