namespace VSwitch.Core.Ports;

/// <summary>
/// A port whose kernel device drops frames on their way to the switch where no worker can see it, so the
/// count has to be asked of the device: a TAP's queue to its reader (tun counts a frame it could not queue
/// as the device's tx_dropped). Read by the control thread when it reports the port's figures, never on the
/// frame path. A raw port's socket drops are counted by its worker instead (PACKET_STATISTICS).
/// </summary>
public interface IKernelDropCounter
{
    /// <summary>Frames the kernel dropped before the switch could read them, since the port was opened.</summary>
    long KernelReceiveDrops();
}
