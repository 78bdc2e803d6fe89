namespace VSwitch.Linux.Datapath;

// Reply hand-off and adoption: a worker that has just sent a light batch forwards the reply to it itself.
internal sealed partial class Worker
{
    // Ports this worker adopted from another (their Home is elsewhere); only this worker changes it.
    private int _adopted;

    /// <summary>
    /// A frame written to a TAP or veth is taken up by the peer's stack inside our write, so a ping's reply or
    /// a request's answer is usually queued on the destination port by the time the write returns. Its worker
    /// would pay a wake-up to forward it if asleep, or wait for its next poll if it yielded its core; picking
    /// the reply up here, while this worker runs, saves that on light, latency-bound traffic. From a polling
    /// owner only replies to small frames are taken (requests, ACKs): taking those to bulk frames too lost
    /// TCP throughput (perf/README.md, "Techniques"). Batches larger than <see cref="DatapathTuning.HandOffBatch"/>
    /// and floods never take this path, and it does not chain.
    /// </summary>
    private int PickUpReplies(Core.Switching.ForwardingSnapshot snapshot, int switched)
    {
        var egress = _pipeline.LastEgress;
        if (egress.Length != 1) return 0;
        ushort port = egress[0];
        var slot = _datapath.Receiver(port);
        if (slot is null || slot.Owner == this) return 0;
        bool ownerAsleep = slot.Owner.IsWaiting;
        if (!ownerAsleep && !AllSmall(switched)) return 0;
        return ServicePort(snapshot, port, handOff: false, adopt: ownerAsleep && !_load.Heavy);
    }

    /// <summary>
    /// A reply taken from a sleeping owner still woke it (the frame's arrival did), for nothing. So a worker
    /// whose own traffic is light adopts the port: it moves into this worker's epoll, and a request and its
    /// reply run on one worker. Heavy traffic sends adopted ports home again (<see cref="Count"/>). Called
    /// under the port's claim.
    /// </summary>
    private void Adopt(ReceiveSlot slot)
    {
        if (slot.MoveTo(this) && slot.Home != this) _adopted++;
    }

    /// <summary>Whether the first <paramref name="count"/> frames of the batch just switched are all small.</summary>
    private bool AllSmall(int count)
    {
        for (int i = 0; i < count; i++)
            if (_batch.Length(i) > _tuning.SmallFrameBytes) return false;
        return true;
    }
}
