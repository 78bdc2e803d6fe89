using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;

namespace VSwitch.Linux.Ports;

/// <summary>The receive side of a Linux port: a pollable descriptor and a batched read.</summary>
public interface ILinuxPort : IPortDevice
{
    /// <summary>The descriptor a worker's epoll waits on.</summary>
    int Fd { get; }

    /// <summary>
    /// Fills <paramref name="batch"/> with up to its capacity of packets (virtio-net header + frame)
    /// without blocking; returns how many. Receive-side drops are counted in <paramref name="counters"/>.
    /// </summary>
    int Receive(PacketBatch batch, PortCounters counters, ushort index);

    /// <summary>
    /// Epoll reported an error on <see cref="Fd"/>. A port whose descriptor can hold a pending error
    /// takes it here, or epoll reports the descriptor ready on every wait until something else reads it.
    /// Returns false when the error is that the interface is gone (<see cref="IPortDevice.Gone"/>), which
    /// no read clears: the worker stops watching the descriptor.
    /// </summary>
    bool TakePendingError() => true;
}
