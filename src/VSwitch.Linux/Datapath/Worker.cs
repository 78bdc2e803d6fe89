using System.Diagnostics;
using System.Runtime.InteropServices;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;
using VSwitch.Linux.Ports;

namespace VSwitch.Linux.Datapath;

// Concurrency in the datapath: who may touch what, and when.
//  - The snapshot: published by the control thread (LinuxDatapath.Publish, a release); each worker reads it
//    once per pass (acquire) and switches the whole pass by it. Readers never wait for writers.
//  - A port's receive side (ReceiveSlot): read and switched by one worker at a time, the one holding its
//    claim (one compare-and-swap per batch; a worker that loses moves on). Its place in an epoll set belongs
//    to its owner, and moves to another worker (Worker.HandOff.cs) only under the claim.
//  - A port's transmit side: any worker, several at once, without a lock (IPort.Transmit).
//  - Counters: each worker writes only its own PortCounters; the control thread sums them.
//  - Removal: the control thread unpublishes a port, then waits until every worker is quiescent (asleep in
//    epoll_wait, or done with a pass begun before) before it closes the port (WaitQuiescent).
//  - A port found gone (its health poll says so) is watched no more and reported to the control thread,
//    which detaches it (LinuxDatapath.ReportGone).

/// <summary>
/// One datapath thread. It waits on the ports assigned to it and runs each ready port's frames to completion:
/// receive batch → parse → learn → look up → transmit batch, on the snapshot it read at the top of the pass.
/// It allocates nothing per frame and takes no lock.
/// </summary>
internal sealed unsafe partial class Worker : IDisposable
{
    private const int MaxEvents = 64;

    private readonly LinuxDatapath _datapath;
    private readonly DatapathTuning _tuning;
    private readonly Epoll _epoll = new();
    private readonly PacketBatch _batch;
    private readonly ForwardingPipeline _pipeline;
    private readonly Thread _thread;
    private readonly IoUring? _ring;
    private volatile bool _stopping;
    // Quiescence (WaitQuiescent): set while asleep in epoll_wait, holding no snapshot; a pass counter.
    private int _waiting;
    private long _passes;
    private BusyPoll _poll;
    private LoadMeter _load;

    /// <param name="ring">This worker's io_uring for TAP reads and writes (<see cref="WorkerRing"/>), owned from here
    /// on; null: read() and write().</param>
    public Worker(int id, LinuxDatapath datapath, ForwardingDatabase fdb, DatapathTuning tuning,
        GuestAddresses? addresses, IoUring? ring)
    {
        Id = id;
        _datapath = datapath;
        _tuning = tuning;
        _ring = ring;
        _batch = new PacketBatch(tuning.BatchSize);
        _pipeline = new ForwardingPipeline(fdb, tuning.BatchSize, worker: id, addresses: addresses);
        _poll = new BusyPoll(tuning.BusyPoll, tuning.HeavyBusyPoll);
        _load = new LoadMeter(tuning.LoadWindow, tuning.HeavyFramesPerWindow);
        _thread = new Thread(Run) { IsBackground = true, Name = $"vswitch-worker-{id}" };
    }

    public int Id { get; }
    public int PortCount;
    public PortCounters Counters => _pipeline.Counters;

    /// <summary>Registers this worker's batch with its ring (<see cref="IoUring.RegisterBuffer"/>); null, or the
    /// kernel's refusal.</summary>
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
        WorkerRing.Current = _ring;
        try
        {
            while (!_stopping)
            {
                int ready = Wait(events);
                var snapshot = _datapath.Snapshot;
                int frames = 0;
                for (int e = 0; e < ready; e++) frames += Service(snapshot, events[e]);
                Count(frames);
                Interlocked.Increment(ref _passes);
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    /// <summary>
    /// Polls while frames came recently (<see cref="BusyPoll"/>); an empty poll yields the core to whoever
    /// wants it (the endpoints' own stacks). Otherwise sleeps in epoll_wait until a port is ready.
    /// </summary>
    private int Wait(epoll_event* events)
    {
        if (_poll.Polling(Stopwatch.GetTimestamp(), _load.Heavy))
        {
            int ready = _epoll.Wait(events, MaxEvents, 0);
            if (ready == 0) Thread.Yield(); // sched_yield
            return ready;
        }
        Volatile.Write(ref _waiting, 1);
        int woken = _epoll.Wait(events, MaxEvents, -1);
        // Full fence: the snapshot read after this must not move above leaving the waiting state.
        Interlocked.Exchange(ref _waiting, 0);
        return woken;
    }

    /// <summary>One epoll event: the wake-up, a port in error (<see cref="IPort.Poll"/>), or a port with
    /// frames.</summary>
    private int Service(ForwardingSnapshot snapshot, in epoll_event ready)
    {
        ulong token = ready.data.u64;
        if (token == Epoll.WakeToken)
        {
            _epoll.DrainWake();
            return 0;
        }
        ushort index = (ushort)token;
        // A pending error is taken (or every wait would report the port again); a port gone is watched no more.
        if ((ready.events & (uint)LibC.EPOLLERR) != 0 && _datapath.Receiver(index) is { } errored
            && errored.Port.Poll() == PortHealth.Gone)
        {
            _epoll.Remove(errored.Port.Fd);
            _datapath.ReportGone(index);
            return 0;
        }
        return ServicePort(snapshot, index);
    }

    /// <summary>Counts the pass's frames for the busy poll and the load; a worker that turns heavy sends adopted ports
    /// home.</summary>
    private void Count(int frames)
    {
        long now = Stopwatch.GetTimestamp();
        _poll.Frames(frames, now);
        if (_load.Add(frames, now) && _load.Heavy && _adopted > 0) _adopted = _datapath.ReturnAdopted(this);
    }

    /// <summary>Reads and switches up to <see cref="DatapathTuning.BatchesPerPortPerPass"/> batches of a ready
    /// port.</summary>
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
            var drops = new DropCounter(_pipeline.Counters, index);
            for (int round = 0; round < _tuning.BatchesPerPortPerPass; round++)
            {
                last = slot.Port.Receive(_batch, drops);
                frames += last;
                if (last == 0) break;
                _pipeline.Process(snapshot, index, _batch, Environment.TickCount64);
                if (last < _batch.Capacity) break;
            }
            if (adopt && frames > 0) Adopt(slot);
        }
        finally
        {
            slot.Release();
        }
        if (handOff && last > 0 && last <= _tuning.HandOffBatch) frames += PickUpReplies(snapshot, last);
        return frames;
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
