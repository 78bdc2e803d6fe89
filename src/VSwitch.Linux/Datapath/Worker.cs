using System.Diagnostics;
using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;
using VSwitch.Linux.Ports;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// One datapath thread. It waits on the ports assigned to it and runs each ready port's frames to
/// completion: receive batch → parse → learn → look up → transmit batch, on the snapshot it read at the
/// top of the pass. It allocates nothing per frame and takes no lock.
/// </summary>
internal sealed unsafe class Worker : IDisposable
{
    private const int MaxEvents = 64;
    /// <summary>Batches read from one port per wake-up before moving on, so one busy port cannot starve the others.</summary>
    private const int BatchesPerPortPerPass = 4;
    /// <summary>A received batch this small is latency-bound traffic: worth picking up its reply (see <see cref="PickUpReplies"/>).</summary>
    private const int HandOffBatch = 2;
    /// <summary>
    /// Frames no longer than this, virtio-net header included, carry no bulk data: a TCP ACK (a 66-byte
    /// frame), a ping (98), a 64-byte test frame (60). Their replies are picked up even from a worker that is polling.
    /// </summary>
    private const int SmallFrameBytes = 200;
    /// <summary>How often a worker decides whether its traffic is light or heavy (see <see cref="ServicePort"/>'s adoption).</summary>
    private static readonly long LoadWindowTicks = Stopwatch.Frequency / 100;
    /// <summary>Frames per load window (10 ms) from which a worker counts as heavy: 2,000 frames/s. Pings at
    /// 100/s and ARP stay far below; a TCP stream is far above (about 25,000 frames/s of 64 KB here).</summary>
    private const int HeavyFramesPerWindow = 20;
    /// <summary>
    /// The most a heavy worker polls past its last frame. On 2 cores, bulk traffic leaves gaps in which the
    /// endpoints' own stacks want the core: A/B runs of TCP lost with 20 ms of polling there, and the long
    /// budget is for light traffic, whose next frame (a ping 10 ms later) it keeps a warm worker waiting for.
    /// </summary>
    private static readonly long HeavyBusyPollTicks = Stopwatch.Frequency / 1000;

    private readonly LinuxDatapath _datapath;
    private readonly Epoll _epoll = new();
    private readonly PacketBatch _batch;
    private readonly ForwardingPipeline _pipeline;
    private readonly Thread _thread;
    private volatile bool _stopping;
    // Quiescence: the control thread may free a port once every worker is either waiting in epoll
    // (holding no snapshot) or has finished a pass that began before the port was unpublished.
    private int _waiting;
    private long _passes;
    private readonly long _busyPollTicks;
    private readonly IoUring? _ring;
    private long _windowStart;
    private int _windowFrames;
    private bool _heavy;
    private int _adopted;

    /// <param name="ring">This worker's io_uring for TAP reads and writes (<see cref="WorkerRing"/>), owned from here on; null: read() and write().</param>
    public Worker(int id, LinuxDatapath datapath, ForwardingDatabase fdb, int batchSize, GuestAddresses? addresses, TimeSpan busyPoll, IoUring? ring)
    {
        _ring = ring;
        _busyPollTicks = (long)(busyPoll.TotalSeconds * Stopwatch.Frequency);
        Id = id;
        _datapath = datapath;
        _batch = new PacketBatch(batchSize);
        _pipeline = new ForwardingPipeline(fdb, batchSize, worker: id, addresses: addresses);
        _thread = new Thread(Run) { IsBackground = true, Name = $"vswitch-worker-{id}" };
    }

    public int Id { get; }
    public int PortCount;
    public PortCounters Counters => _pipeline.Counters;

    /// <summary>Registers this worker's batch with its ring (<see cref="IoUring.RegisterBuffer"/>); null, or the kernel's refusal.</summary>
    public string? RegisterBatch() =>
        _ring?.RegisterBuffer(_batch.Slot(0), (nuint)((long)_batch.Capacity * _batch.SlotSize));

    public void UnregisterBatch() => _ring?.UnregisterBuffer();

    /// <summary>Asleep in epoll_wait: a frame for one of its ports would cost it a wake-up.</summary>
    public bool IsWaiting => Volatile.Read(ref _waiting) != 0;

    public void Start() => _thread.Start();

    public void Watch(ILinuxPort port, ushort index) => _epoll.Add(port.Fd, index);

    /// <summary>Watch, from a worker thread: false if the kernel refused (the port then stays where it was).</summary>
    public bool TryWatch(ILinuxPort port, ushort index) => _epoll.TryAdd(port.Fd, index);

    public void Unwatch(ILinuxPort port) => _epoll.Remove(port.Fd);

    /// <summary>Blocks until this worker can no longer be using a snapshot published before the call.</summary>
    public void WaitQuiescent()
    {
        long start = Interlocked.Read(ref _passes);
        var spin = new SpinWait();
        while (!_stopping && Volatile.Read(ref _waiting) == 0 && Interlocked.Read(ref _passes) == start)
            spin.SpinOnce(sleep1Threshold: 20);
    }

    private void Run()
    {
        var events = (epoll_event*)NativeMemory.Alloc((nuint)(MaxEvents * sizeof(epoll_event)));
        long lastFrames = 0;
        WorkerRing.Current = _ring;
        try
        {
            while (!_stopping)
            {
                // Busy-poll for a while after the last frame: a frame that comes within the budget (the
                // next TCP segment, an ACK, a reply) is picked up without the wake-up a sleeping thread
                // pays, and this core does not halt while it polls, so waking the endpoints' threads on
                // it stays cheap too.
                // An empty poll yields: the endpoints' own stacks (iperf3, ping, a QEMU guest) run first
                // whenever they want this core; without the yield, polling lost on 2 cores. Once the
                // budget passes with nothing to do, block in epoll_wait and give the core away. The
                // budget is the configured one (20 ms by default) after light traffic, at most 1 ms after heavy.
                long budget = _heavy ? Math.Min(_busyPollTicks, HeavyBusyPollTicks) : _busyPollTicks;
                bool polling = Stopwatch.GetTimestamp() - lastFrames < budget;
                int ready;
                if (polling)
                {
                    ready = _epoll.Wait(events, MaxEvents, 0);
                    if (ready == 0) Thread.Yield(); // sched_yield
                }
                else
                {
                    Volatile.Write(ref _waiting, 1);
                    ready = _epoll.Wait(events, MaxEvents, -1);
                    // Full fence: the snapshot read below must not move above leaving the waiting state.
                    Interlocked.Exchange(ref _waiting, 0);
                }

                var snapshot = _datapath.Snapshot;
                int frames = 0;
                for (int e = 0; e < ready; e++)
                {
                    ulong token = events[e].data.u64;
                    if (token == Epoll.WakeToken)
                    {
                        _epoll.DrainWake();
                        continue;
                    }
                    // An error pending on a port (a raw port's link went down) is taken, or every wait would
                    // report the port again at once. A port whose interface is gone is watched no more;
                    // the control thread detaches it.
                    if ((events[e].events & (uint)LibC.EPOLLERR) != 0 && _datapath.Receiver((ushort)token) is { } errored
                        && !errored.Port.TakePendingError())
                    {
                        _epoll.Remove(errored.Port.Fd);
                        continue;
                    }
                    frames += ServicePort(snapshot, (ushort)token);
                }
                long now = Stopwatch.GetTimestamp();
                if (frames > 0) lastFrames = now;
                WeighLoad(frames, now);
                Interlocked.Increment(ref _passes);
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    /// <summary>
    /// Once per load window: heavy traffic spreads over the workers again, so a worker that turns heavy
    /// gives the ports it adopted back to their home workers (which poll them from then on).
    /// </summary>
    private void WeighLoad(int frames, long now)
    {
        _windowFrames += frames;
        if (now - _windowStart < LoadWindowTicks) return;
        _heavy = _windowFrames >= HeavyFramesPerWindow;
        _windowFrames = 0;
        _windowStart = now;
        if (_heavy && _adopted > 0) _adopted = _datapath.ReturnAdopted(this);
    }

    private int ServicePort(ForwardingSnapshot snapshot, ushort index, bool handOff = true, bool adopt = false)
    {
        var slot = _datapath.Receiver(index);
        if (slot is null) return 0; // being removed
        // Another worker is switching this port's frames (a reply hand-off): it has them, in order.
        if (!slot.TryClaim()) return 0;
        int frames = 0;
        int last = 0;
        try
        {
            for (int round = 0; round < BatchesPerPortPerPass; round++)
            {
                last = slot.Port.Receive(_batch, _pipeline.Counters, index);
                frames += last;
                if (last == 0) break;
                _pipeline.Process(snapshot, index, _batch, Environment.TickCount64);
                if (last < _batch.Capacity) break;
            }
            // Adopted (or taken back home from a sleeping adopter): its replies stop waking the sleeper.
            if (adopt && frames > 0 && slot.MoveTo(this) && slot.Home != this) _adopted++;
        }
        finally
        {
            slot.Release();
        }
        if (handOff && last > 0 && last <= HandOffBatch) frames += PickUpReplies(snapshot, last);
        return frames;
    }

    /// <summary>
    /// A frame written to a TAP or veth is taken up by the peer's stack inside our write(), so a ping's
    /// reply or a request's answer is usually already queued on the destination port when the write
    /// returns. Its worker would pay a wake-up (tens of µs on a VM) to forward it if it sleeps, or wait
    /// for its next poll if it has yielded its core; picking the reply up here, while we run, saves that
    /// on light, latency-bound traffic. From a polling worker we take it only if the
    /// <paramref name="switched"/> frames were all small (requests, pings, ACKs; for TCP, that takes the
    /// data the sender releases on an ACK): taking the ACKs of bulk frames from a polling worker too lost
    /// TCP throughput in A/B runs, for reasons not traced (perf/README.md).
    /// Batches of more than <see cref="HandOffBatch"/> frames and floods never take this path, and it
    /// does not chain: one hand-off per received batch, at the cost of one read() that may find nothing.
    /// <para>
    /// A reply taken from a sleeping owner still woke it (the frame's arrival did, inside our write()),
    /// for nothing: on a VM that is a cross-CPU wake-up, tens of µs, paid for every ping. So unless this
    /// worker's own traffic is heavy, it adopts the port: the port moves into this worker's epoll, and a
    /// request and its reply run on one worker, as with one worker in all. Heavy traffic sends adopted
    /// ports home again (<see cref="WeighLoad"/>), where it spreads over the cores.
    /// </para>
    /// </summary>
    private int PickUpReplies(ForwardingSnapshot snapshot, int switched)
    {
        var egress = _pipeline.LastEgress;
        if (egress.Length != 1) return 0;
        ushort port = egress[0];
        var slot = _datapath.Receiver(port);
        if (slot is null || slot.Owner == this) return 0;
        bool ownerAsleep = slot.Owner.IsWaiting;
        if (!ownerAsleep && !AllSmall(switched)) return 0;
        return ServicePort(snapshot, port, handOff: false, adopt: ownerAsleep && !_heavy);
    }

    /// <summary>Whether the first <paramref name="count"/> frames of the batch just switched are all small.</summary>
    private bool AllSmall(int count)
    {
        for (int i = 0; i < count; i++)
            if (_batch.Length(i) > SmallFrameBytes) return false;
        return true;
    }

    public void Stop()
    {
        _stopping = true;
        _epoll.Wake();
        _thread.Join();
    }

    public void Dispose()
    {
        _ring?.Dispose();
        _epoll.Dispose();
        _batch.Dispose();
    }
}
