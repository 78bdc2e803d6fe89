using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// A physical link under a PIF (a NIC, or one member of a bond), which can put a VLAN network's tag on
/// the frames it sends. Same threading contract as <see cref="IFrameSink"/>: any worker, concurrently, no lock.
/// </summary>
public interface IUplinkMember : IFrameSink
{
    /// <summary>
    /// Sends like <see cref="IFrameSink.Transmit"/>, but with an 802.1Q tag for <paramref name="vlan"/> in
    /// front of each frame (its priority from <see cref="VlanPush.OuterTci"/>). The frames in the batch are
    /// not modified, since the same frame may also be on its way to other ports.
    /// </summary>
    int TransmitTagged(PacketBatch batch, ReadOnlySpan<int> packets, int vlan, out long frameBytes, out int errors);
}
