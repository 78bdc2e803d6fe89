using System.Numerics;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;
using VSwitch.Linux.Ports;

namespace VSwitch.Linux.Datapath;

/// <summary>
/// The worker threads and the state they share: the published snapshot and the receive side of every port
/// (Worker.cs states who may touch what, and when). Each port is polled by exactly one worker, so its frames
/// stay in order; any worker may transmit to any port.
/// </summary>
public sealed class LinuxDatapath : IDatapath, IDisposable
{
    private readonly Worker[] _workers;
    private ForwardingSnapshot _snapshot = ForwardingSnapshot.Empty;
    private ReceiveSlot?[] _receivers = new ReceiveSlot?[64];
    // Ports a worker found gone, for the control thread (DetachGonePorts) to take.
    private readonly System.Collections.Concurrent.ConcurrentQueue<ushort> _gone = new();
    private volatile bool _anyGone;

    /// <param name="ioUring">Read and write TAPs through one io_uring per worker, a batch per system call;
    /// when the kernel refuses a ring, the workers use read() and write() and <see cref="IoUringRefused"/> says
    /// why.</param>
    public LinuxDatapath(ForwardingDatabase fdb, DatapathTuning tuning, GuestAddresses? addresses = null,
        bool ioUring = true)
    {
        Tuning = tuning;
        int count = tuning.WorkersFor(Environment.ProcessorCount);
        var rings = ioUring ? CreateRings(count, tuning.BatchSize) : new IoUring?[count];
        UsesIoUring = rings[0] is not null;
        _workers = new Worker[count];
        for (int i = 0; i < count; i++) _workers[i] = new Worker(i, this, fdb, tuning, addresses, rings[i]);
        if (UsesIoUring) RegisterBatches();
        foreach (var worker in _workers) worker.Start();
        Counters = _workers.Select(w => w.Counters).ToArray();
    }

    public DatapathTuning Tuning { get; }

    public int WorkerCount => _workers.Length;

    /// <summary>Whether the workers read and write TAPs through io_uring.</summary>
    public bool UsesIoUring { get; }

    /// <summary>Why io_uring was asked for and not used (the kernel's refusal), else null.</summary>
    public string? IoUringRefused { get; private set; }

    /// <summary>Whether every worker's ring reads and writes TAPs straight into its batch's registered pages.</summary>
    public bool UsesRegisteredBuffers { get; private set; }

    /// <summary>Why the rings could not register the workers' batches (<see cref="IoUring.RegisterBuffer"/>), else
    /// null.</summary>
    public string? RegisteredBuffersRefused { get; private set; }

    /// <summary>Every worker's batch registered with its ring, or none: as with the rings themselves, no worker behaves
    /// differently from its peers.</summary>
    private void RegisterBatches()
    {
        foreach (var worker in _workers)
        {
            RegisteredBuffersRefused = worker.RegisterBatch();
            if (RegisteredBuffersRefused is null) continue;
            foreach (var registered in _workers) registered.UnregisterBatch();
            return;
        }
        UsesRegisteredBuffers = true;
    }

    /// <summary>One ring per worker, or none at all: a worker without one would behave differently from its peers for
    /// no reason.</summary>
    private IoUring?[] CreateRings(int count, int batchSize)
    {
        var rings = new IoUring?[count];
        uint entries = BitOperations.RoundUpToPowerOf2((uint)Math.Max(batchSize, 32));
        try
        {
            for (int i = 0; i < count; i++) rings[i] = IoUring.Create(entries);
        }
        catch (IOException e)
        {
            IoUringRefused = e.Message;
            foreach (var ring in rings) ring?.Dispose();
            Array.Clear(rings);
        }
        return rings;
    }

    /// <summary>Read by workers once per pass (acquire); written by the control thread (release).</summary>
    internal ForwardingSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Gives every port <paramref name="worker"/> adopted back to its home worker (see <see cref="Worker"/>);
    /// returns how many it still holds (a port being switched by another worker right now is left for next time).
    /// </summary>
    internal int ReturnAdopted(Worker worker)
    {
        int kept = 0;
        var receivers = Volatile.Read(ref _receivers);
        for (int i = 0; i < receivers.Length; i++)
        {
            var slot = Volatile.Read(ref receivers[i]);
            if (slot is null || slot.Owner != worker || slot.Home == worker) continue;
            if (!slot.TryClaim())
            {
                kept++;
                continue;
            }
            if (!slot.MoveTo(slot.Home)) kept++;
            slot.Release();
        }
        return kept;
    }

    internal ReceiveSlot? Receiver(ushort index)
    {
        var receivers = Volatile.Read(ref _receivers);
        return index < receivers.Length ? Volatile.Read(ref receivers[index]) : null;
    }

    public IReadOnlyList<PortCounters> Counters { get; }

    public void Publish(ForwardingSnapshot snapshot) => Volatile.Write(ref _snapshot, snapshot);

    public void StartReceiving(ushort index, IPort device)
    {
        var port = (ILinuxPort)device;
        if (index >= _receivers.Length)
        {
            var grown = new ReceiveSlot?[Math.Max(index + 1, _receivers.Length * 2)];
            _receivers.CopyTo(grown, 0);
            Volatile.Write(ref _receivers, grown);
        }
        var worker = _workers.MinBy(w => w.PortCount)!;
        worker.PortCount++;
        Volatile.Write(ref _receivers[index], new ReceiveSlot(port, index, worker));
        worker.Watch(port, index);
    }

    public void StopReceiving(ushort index, IPort device)
    {
        var slot = Receiver(index);
        if (slot is not null) Volatile.Write(ref _receivers[index], null);
        // The caller has already published a snapshot without this port; once every worker has been
        // quiescent since, nobody can still receive from it or transmit to it, or move it to another worker.
        foreach (var w in _workers) w.WaitQuiescent();
        if (slot is not null)
        {
            slot.Owner.Unwatch(slot.Port);
            slot.Home.PortCount--;
        }
    }

    public void StopReceiving(IReadOnlyList<ushort> indexes)
    {
        var slots = new List<ReceiveSlot>(indexes.Count);
        foreach (ushort index in indexes)
        {
            if (Receiver(index) is not { } slot) continue;
            Volatile.Write(ref _receivers[index], null);
            slots.Add(slot);
        }
        foreach (var w in _workers) w.WaitQuiescent();
        foreach (var slot in slots)
        {
            slot.Owner.Unwatch(slot.Port);
            slot.Home.PortCount--;
        }
    }

    /// <summary>A worker found the port's interface gone: it watches it no more, and the control thread detaches
    /// it.</summary>
    internal void ReportGone(ushort index)
    {
        _gone.Enqueue(index);
        _anyGone = true;
    }

    public bool AnyGone => _anyGone;

    public IReadOnlyList<ushort> TakeGone()
    {
        _anyGone = false;
        var gone = new List<ushort>();
        while (_gone.TryDequeue(out ushort index)) gone.Add(index);
        return gone;
    }

    public void Dispose()
    {
        foreach (var worker in _workers) worker.Stop();
        foreach (var worker in _workers) worker.Dispose();
    }
}
