using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Linux.Datapath;
using VSwitch.Linux.HostBoundary;
using VSwitch.Linux.Interfaces;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A port on an existing interface (a NIC, a veth, a TAP that QEMU opened) through an AF_PACKET socket:
/// its setup (<see cref="RawSocket"/>), receive (<see cref="RawReceive"/>) and transmit
/// (<see cref="RawTransmit"/>). It can tag what it sends, so it can be a PIF's member.
/// </summary>
public sealed class RawPort : ILinuxPort, ITaggingPort, IInterfacePort
{
    private readonly RawSocket _socket;
    private readonly RawReceive _receive;
    private readonly RawTransmit _transmit;

    private RawPort(RawSocket socket, DatapathTuning tuning)
    {
        _socket = socket;
        _receive = new RawReceive(socket);
        _transmit = new RawTransmit(socket, tuning);
        Mac = NetInterface.GetMac(socket.Device);
        Mtu = NetInterface.Mtu(socket.Device);
    }

    /// <summary>
    /// Opens <paramref name="device"/> as a port; <paramref name="receiveRing"/> false receives with recvmmsg.
    /// With <paramref name="isolation"/>, the interface is taken from the host's stack first (before it is
    /// brought up) and given back when the port is disposed.
    /// </summary>
    public static RawPort Open(string device, DatapathTuning tuning, bool receiveRing = true,
        PortIsolation? isolation = null)
    {
        var socket = RawSocket.Open(device, receiveRing, isolation);
        try
        {
            return new RawPort(socket, tuning);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public string Name => _socket.Device;
    public PortKind Kind => PortKind.Raw;
    public MacAddress Mac { get; }
    /// <summary>The interface's MTU when the port opened; the control plane follows its changes.</summary>
    public int Mtu { get; }
    public int Fd => _socket.Fd;
    public InterfacePlace Place => new(null, _socket.Index);
    /// <summary>Why the kernel refused the receive ring this port asked for, else null.</summary>
    public string? RingRefused => _socket.RingRefused;

    public int Receive(PacketBatch batch, DropCounter drops) => _receive.Receive(batch, drops);

    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets) => _transmit.Transmit(batch, packets);

    public TxResult TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan)
        => _transmit.TransmitTagged(batch, packets, vlan);

    /// <summary>
    /// A packet socket reports EPOLLERR while an error is pending (ENETDOWN, when its link went down): taken
    /// here, or epoll would report the port on every wait. The control thread learns of a deleted interface
    /// from rtnetlink instead (SwitchController.Interfaces.cs).
    /// </summary>
    public PortHealth Poll()
    {
        _socket.TakePendingError();
        return PortHealth.Cleared;
    }

    public void Dispose()
    {
        _socket.Dispose();
        _receive.Dispose();
    }
}
