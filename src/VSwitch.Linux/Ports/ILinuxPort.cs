using VSwitch.Core.Ports;

namespace VSwitch.Linux.Ports;

/// <summary>A port as Linux workers drive it: an <see cref="IPort"/>, and the descriptor a worker's epoll waits
/// on.</summary>
public interface ILinuxPort : IPort
{
    /// <summary>Readable when frames wait; EPOLLERR when something is wrong (<see cref="IPort.Poll"/> says
    /// what).</summary>
    int Fd { get; }
}
