namespace VSwitch.Core.Switching;

/// <summary>
/// Per destination port, the packets of the current batch to send there. Owned by one worker.
/// A port's queue is allocated the first time the worker sends to it and reused after that.
/// </summary>
internal sealed class TxQueues(int batchCapacity)
{
    private int[]?[] _queues = new int[]?[64];
    private int[] _lengths = new int[64];
    private ushort[] _dirty = new ushort[64];
    private int _dirtyCount;
    private int _sentCount;

    public int DirtyCount => _dirtyCount;
    public ushort DirtyPort(int i) => _dirty[i];
    public ReadOnlySpan<int> Queue(ushort port) => _queues[port].AsSpan(0, _lengths[port]);

    /// <summary>The ports the last cleared batch went to (kept until the next batch queues something).</summary>
    public ReadOnlySpan<ushort> LastSent => _dirty.AsSpan(0, _sentCount);

    public void Enqueue(ushort port, int packet)
    {
        if (port >= _queues.Length) Grow(port);
        var queue = _queues[port] ??= new int[batchCapacity];
        int length = _lengths[port];
        if (length == 0)
        {
            if (_dirtyCount == _dirty.Length) Array.Resize(ref _dirty, _dirty.Length * 2);
            _dirty[_dirtyCount++] = port;
        }
        queue[length] = packet;
        _lengths[port] = length + 1;
    }

    public void Clear()
    {
        for (int i = 0; i < _dirtyCount; i++) _lengths[_dirty[i]] = 0;
        _sentCount = _dirtyCount;
        _dirtyCount = 0;
    }

    private void Grow(ushort port)
    {
        int size = Math.Max(port + 1, _queues.Length * 2);
        Array.Resize(ref _queues, size);
        Array.Resize(ref _lengths, size);
    }
}
