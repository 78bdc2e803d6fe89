using VSwitch.Core.Frames;

namespace VSwitch.Core.Ports;

/// <summary>
/// A port that can put an 802.1Q tag in front of the frames it sends: a PIF's member (a NIC, or a bond
/// member), through which a VLAN network's uplink sends. Same threading as <see cref="IPort.Transmit"/>.
/// </summary>
public interface ITaggingPort : IPort
{
    /// <summary>
    /// Sends like <see cref="IPort.Transmit"/>, each frame behind a tag for <paramref name="vlan"/> (its
    /// priority from <see cref="VlanPush.OuterTci"/>). The frames in the batch are not modified: the same
    /// frame may also be on its way to other ports.
    /// </summary>
    TxResult TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan);
}
