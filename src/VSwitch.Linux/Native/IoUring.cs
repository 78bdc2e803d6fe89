using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Native;

/// <summary>
/// A small io_uring for one worker: queue a batch of reads or writes, submit them with one
/// io_uring_enter, and take their completions. This is how a TAP, which moves one frame per read() and
/// per write(), is drained or filled with one system call per batch instead of one per frame.
///
/// Every operation carries RWF_NOWAIT, and tun supports it: a read of an empty TAP completes at once
/// with -EAGAIN instead of arming a poll, so every operation has completed inline when
/// <see cref="Submit"/> returns and a buffer is never written after its batch moved on. (Without
/// RWF_NOWAIT, reads of an empty TAP went on waiting in the kernel and completed into later batches.)
/// Submit still waits for all of them, so a file that cannot do RWF_NOWAIT fails with -EOPNOTSUPP or
/// costs a wait, never a late write into a buffer.
/// </summary>
internal sealed unsafe partial class IoUring : IDisposable
{
    // <linux/io_uring.h>. The system call numbers are those of x86_64 and arm64 alike (the unified table).
    private const long SysSetup = 425, SysEnter = 426, SysRegister = 427;
    private const byte OpReadFixed = 4, OpWriteFixed = 5, OpRead = 22, OpWrite = 23;
    private const uint RegisterBuffers = 0, UnregisterBuffers = 1;
    private const uint RwfNoWait = 0x8;
    private const uint EnterGetEvents = 1;
    private const uint FeatSingleMmap = 1;
    private const long OffSqRing = 0, OffSqes = 0x10000000;

    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        public uint SqHead, SqTail, SqRingMask, SqRingEntries, SqFlags, SqDropped, SqArray, SqResv1;
        public ulong SqUserAddr;
        public uint CqHead, CqTail, CqRingMask, CqRingEntries, CqOverflow, CqCqes, CqFlags, CqResv1;
        public ulong CqUserAddr;
    }

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct Sqe
    {
        public byte Opcode, Flags;
        public ushort IoPrio;
        public int Fd;
        public ulong Off, Addr;
        public uint Len, RwFlags;
        public ulong UserData;
        /// <summary>Which registered buffer a READ_FIXED or WRITE_FIXED uses (there is only one: 0).</summary>
        public ushort BufIndex;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Cqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    private readonly FileDescriptor _fd;
    private readonly byte* _ring;
    private readonly nuint _ringSize;
    private readonly Sqe* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqHead, _sqTail, _cqHead, _cqTail;
    private readonly uint _sqMask, _cqMask;
    private readonly Cqe* _cqes;
    private uint _queued;
    // The registered buffer (RegisterBuffer), empty until then.
    private byte* _registeredStart, _registeredEnd;

    private IoUring(FileDescriptor fd, in Params p)
    {
        _fd = fd;
        _ringSize = Math.Max(p.SqArray + p.SqEntries * sizeof(uint), p.CqCqes + p.CqEntries * (uint)sizeof(Cqe));
        _ring = (byte*)mmap(null, (size_t)(ulong)_ringSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.Fd,
            OffSqRing);
        if (_ring == (byte*)-1) throw NativeError.Last("mmap(io_uring rings)");
        _sqesSize = p.SqEntries * (uint)sizeof(Sqe);
        _sqes = (Sqe*)mmap(null, (size_t)(ulong)_sqesSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.Fd,
            OffSqes);
        if (_sqes == (Sqe*)-1)
        {
            munmap(_ring, (size_t)(ulong)_ringSize);
            throw NativeError.Last("mmap(io_uring submission entries)");
        }
        _sqHead = (uint*)(_ring + p.SqHead);
        _sqTail = (uint*)(_ring + p.SqTail);
        _sqMask = *(uint*)(_ring + p.SqRingMask);
        _cqHead = (uint*)(_ring + p.CqHead);
        _cqTail = (uint*)(_ring + p.CqTail);
        _cqMask = *(uint*)(_ring + p.CqRingMask);
        _cqes = (Cqe*)(_ring + p.CqCqes);
        // Ring slot i always names submission entry i: entries are filled in ring order.
        uint* array = (uint*)(_ring + p.SqArray);
        for (uint i = 0; i < p.SqEntries; i++) array[i] = i;
        Capacity = (int)p.SqEntries;
    }

    /// <summary>A ring of <paramref name="entries"/> (a power of two); throws when the kernel refuses one
    /// (io_uring_disabled, a seccomp filter, a kernel before 5.4).</summary>
    public static IoUring Create(uint entries)
    {
        var p = new Params();
        long fd = syscall(SysSetup, entries, (long)&p, 0, 0, 0, 0);
        if (fd < 0) throw NativeError.Exception("io_uring_setup", Marshal.GetLastPInvokeError());
        var handle = new FileDescriptor((int)fd);
        try
        {
            if ((p.Features & FeatSingleMmap) == 0) throw new IOException("io_uring_setup: this kernel's io_uring is " +
                "older than 5.4 (no IORING_FEAT_SINGLE_MMAP)");
            return new IoUring(handle, p);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Registers the worker's batch memory with the ring (IORING_REGISTER_BUFFERS): the kernel pins its
    /// pages once, and a read or write inside it goes as READ_FIXED or WRITE_FIXED, which copies to and
    /// from those pages instead of through a user address each time. Anything outside it (a frame in
    /// another buffer) still goes as a plain read or write. Returns null, or why the kernel refused (the
    /// pinned pages count against RLIMIT_MEMLOCK for a process without CAP_IPC_LOCK).
    /// </summary>
    public string? RegisterBuffer(byte* start, nuint length)
    {
        var buffer = new iovec { iov_base = start, iov_len = (size_t)(ulong)length };
        if (syscall(SysRegister, _fd.Fd, RegisterBuffers, (long)&buffer, 1, 0, 0) < 0)
            return NativeError.Exception("io_uring_register(BUFFERS)", Marshal.GetLastPInvokeError()).Message;
        _registeredStart = start;
        _registeredEnd = start + length;
        return null;
    }

    /// <summary>Undoes <see cref="RegisterBuffer"/>: reads and writes go as plain ones again.</summary>
    public void UnregisterBuffer()
    {
        if (_registeredStart == null) return;
        syscall(SysRegister, _fd.Fd, UnregisterBuffers, 0, 0, 0, 0);
        _registeredStart = _registeredEnd = null;
    }

    /// <summary>Most operations one <see cref="Submit"/> may carry.</summary>
    public int Capacity { get; }

    public void QueueRead(int fd, byte* buffer, int length, ulong tag) => Queue(OpRead, fd, buffer, length, tag);

    public void QueueWrite(int fd, byte* buffer, int length, ulong tag) => Queue(OpWrite, fd, buffer, length, tag);

    private void Queue(byte op, int fd, byte* buffer, int length, ulong tag)
    {
        var sqe = _sqes + ((*_sqTail + _queued) & _sqMask);
        *sqe = default;
        sqe->Opcode = op;
        sqe->Fd = fd;
        sqe->Off = ulong.MaxValue; // -1: no file position (a TAP is a stream)
        sqe->Addr = (ulong)buffer;
        sqe->Len = (uint)length;
        sqe->RwFlags = RwfNoWait;
        sqe->UserData = tag;
        if (buffer >= _registeredStart && buffer + length <= _registeredEnd)
            sqe->Opcode = op == OpRead ? OpReadFixed : OpWriteFixed; // BufIndex 0: the one registered buffer
        _queued++;
    }

    /// <summary>
    /// Submits what was queued, in one system call, and returns once all of it has completed; false when
    /// the kernel took none of it (then nothing was done and nothing will complete).
    /// </summary>
    public bool Submit()
    {
        uint n = _queued;
        if (n == 0) return true;
        _queued = 0;
        uint tail = *_sqTail;
        Volatile.Write(ref *_sqTail, tail + n); // release: the entries before the tail that shows them
        long r;
        do r = syscall(SysEnter, _fd.Fd, n, n, EnterGetEvents, 0, 0);
        while (r < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (r >= 0) return true;
        // Refused outright (out of memory for requests, say): take the entries back, or the next call
        // would submit them with buffers that have moved on.
        Volatile.Write(ref *_sqTail, Volatile.Read(ref *_sqHead));
        return false;
    }

    /// <summary>Takes the next completion: the operation's tag and its result (bytes, or -errno).</summary>
    public bool TryComplete(out ulong tag, out int result)
    {
        uint head = *_cqHead;
        if (head == Volatile.Read(ref *_cqTail)) // acquire: the entry is written before the tail moves
        {
            tag = 0;
            result = 0;
            return false;
        }
        var cqe = _cqes + (head & _cqMask);
        tag = cqe->UserData;
        result = cqe->Res;
        Volatile.Write(ref *_cqHead, head + 1);
        return true;
    }

    public void Dispose()
    {
        munmap(_sqes, (size_t)(ulong)_sqesSize);
        munmap(_ring, (size_t)(ulong)_ringSize);
        _fd.Dispose();
    }
}
