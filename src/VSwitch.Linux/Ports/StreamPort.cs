using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Observability;
using VSwitch.Core.Offload;
using VSwitch.Core.Ports;
using VSwitch.Core.Switching;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Ports;

/// <summary>
/// A port QEMU reaches through a Unix stream socket (-netdev stream): each frame travels behind its length,
/// 4 bytes big-endian, and one read can carry many frames. The port listens; one QEMU at a time is
/// connected, and a new connection replaces the old one.
///
/// Receive (one worker): bytes go into a <see cref="Pipe"/>, whose reader cuts them into frames
/// (<see cref="StreamFramer"/>) straight into the batch; a frame split across reads simply waits there.
/// Bad input (a length of 0 or over the limit, a peer gone mid-frame) is logged and drops that connection
/// only. The worker's epoll watches one descriptor: an inner epoll holding the listening socket, the
/// connection and an eventfd that is raised while whole frames are still waiting in the pipe.
///
/// Transmit (any worker): the stream carries plain frames, so partial checksums are finished and TSO
/// frames cut into segments in software (<see cref="SoftwareOffload"/>) into a buffer that one send
/// writes. Writers on a stream must not interleave, so transmit holds a lock per batch (not per frame).
/// </summary>
public sealed unsafe partial class StreamPort : ILinuxPort, IStreamEndpoint
{
    private const ulong ListenToken = 1, ConnectionToken = 2, WakeToken = 3;
    private const int ReadSize = 256 * 1024;
    private const int SendBufferSize = 1 << 20;

    private readonly FileDescriptor _listen;
    private readonly FileDescriptor _poll;
    private readonly FileDescriptor _wake;
    private readonly ILogger _log;
    private readonly LogRateLimit _peerLogs = new();
    private readonly Pipe _received = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0,
        minimumSegmentSize: ReadSize, useSynchronizationContext: false));
    private readonly Lock _sendLock = new();
    private readonly byte[] _send = GC.AllocateArray<byte>(SendBufferSize, pinned: true);
    // Written under _sendLock; the receiving worker reads it without (it is the only one that replaces it).
    private volatile int _connection = -1;
    // Bytes of a frame that has not fully arrived yet (receiving worker only).
    private long _partial;

    private StreamPort(string name, string path, MacAddress mac, FileDescriptor listen, FileDescriptor poll,
        FileDescriptor wake, ILogger log)
    {
        Name = name;
        SocketPath = path;
        Mac = mac;
        _listen = listen;
        _poll = poll;
        _wake = wake;
        _log = log;
    }

    public string Name { get; }
    public PortKind Kind => PortKind.Stream;
    /// <summary>The guest's MAC (there is no interface behind the port).</summary>
    public MacAddress Mac { get; }
    public string SocketPath { get; }
    public int Mtu { get; private init; }
    public int Fd => _poll.Fd;
    public bool Connected => _connection >= 0;

    /// <param name="owner">The uid that may connect (QEMU's user); null: root only.</param>
    /// <param name="mtu">The guest's MTU: the largest L3 payload of a frame sent to it (a stream has no interface to
    /// ask).</param>
    public static StreamPort Create(string name, string path, MacAddress mac, uint? owner, ILogger log,
        int mtu = IPort.DefaultMtu)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108) throw new ConfigException($"stream port {name}: socket path {path} is longer than a " +
            $"Unix socket path may be (107 bytes)");
        CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path); // a socket left by an earlier run
        var listen = Open(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), $"socket(AF_UNIX, {name})");
        FileDescriptor? poll = null, wake = null;
        try
        {
            var address = new sockaddr_un { sun_family = (ushort)(int)AF_UNIX };
            bytes.CopyTo(new Span<byte>(address.sun_path, 108));
            if (bind(listen.Fd, (sockaddr*)&address,
                (uint)sizeof(sockaddr_un)) < 0) throw NativeError.Last($"bind({path})");
            // Connecting needs write permission on the socket file: its owner only.
            fixed (byte* file = Encoding.UTF8.GetBytes(path + "\0"))
            {
                // gid -1: the group stays. Mode 0600: only the owner (and root) may connect.
                if (owner is { } uid && chown(file, uid,
                    uint.MaxValue) < 0) throw NativeError.Last($"chown({path}, {uid})");
                if (chmod(file, 0x180) < 0) throw NativeError.Last($"chmod({path})");
            }
            if (LibC.listen(listen.Fd, 1) < 0) throw NativeError.Last($"listen({path})");
            poll = Open(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
            wake = Open(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
            Watch(poll.Fd, listen.Fd, ListenToken);
            Watch(poll.Fd, wake.Fd, WakeToken);
            return new StreamPort(name, path, mac, listen, poll, wake, log) { Mtu = mtu };
        }
        catch
        {
            listen.Dispose();
            poll?.Dispose();
            wake?.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>The sockets' directory, 0755 whatever the umask: a guest's QEMU must enter it, no one else may
    /// write to it.</summary>
    private static void CreateDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(directory, mode);
        File.SetUnixFileMode(directory, mode);
    }

    private static FileDescriptor Open(int fd, string what) => fd >= 0 ? new FileDescriptor(fd)
        : throw NativeError.Last(what);

    private static void Watch(int poll, int fd, ulong token)
    {
        var ev = new epoll_event { events = EPOLLIN };
        ev.data.u64 = token;
        if (epoll_ctl(poll, EPOLL_CTL_ADD, fd, &ev) < 0) throw NativeError.Last($"epoll_ctl(ADD, fd {fd})");
    }

    // ---- receive (the one worker that polls this port) --------------------------------------------

    public int Receive(PacketBatch batch, DropCounter drops)
    {
        batch.Count = 0;
        ulong drained;
        read(_wake.Fd, &drained, sizeof(ulong));
        epoll_event* events = stackalloc epoll_event[3];
        int ready = epoll_wait(_poll.Fd, events, 3, 0);
        for (int i = 0; i < ready; i++)
            if (events[i].data.u64 == ListenToken) Accept();
        if (_connection < 0) return 0;

        if (!TakeFrames(batch, drops)) return batch.Count;
        if (batch.Count < batch.Capacity)
        {
            var memory = _received.Writer.GetMemory(ReadSize);
            long n;
            fixed (byte* buffer = memory.Span) n = recv(_connection, buffer, memory.Length, MSG_DONTWAIT);
            if (n > 0)
            {
                _received.Writer.Advance((int)n);
                _received.Writer.FlushAsync().GetAwaiter().GetResult(); // never waits: no pause threshold
                if (!TakeFrames(batch, drops)) return batch.Count;
            }
            else if (n == 0) Disconnect(_partial > 0
                ? $"the peer hung up in the middle of a frame ({_partial} bytes of it had arrived)" : null);
            else if (Marshal.GetLastPInvokeError() is int errno && errno != EAGAIN
                && errno != EINTR) Disconnect($"recv failed: errno {errno}");
        }
        // Whole frames may still wait in the pipe, with nothing new on the socket to wake the worker.
        if (batch.Count == batch.Capacity)
        {
            ulong one = 1;
            write(_wake.Fd, &one, sizeof(ulong));
        }
        return batch.Count;
    }

    /// <summary>Moves the whole frames waiting in the pipe into the batch; false when the stream went out of step and
    /// was dropped.</summary>
    private bool TakeFrames(PacketBatch batch, DropCounter drops)
    {
        if (!_received.Reader.TryRead(out var result)) return true;
        var buffer = result.Buffer;
        var consumed = StreamFramer.Read(buffer, batch, out var fault, out uint length);
        bool full = batch.Count == batch.Capacity;
        // Seen everything unless the batch filled: then the rest must be offered again on the next read.
        _received.Reader.AdvanceTo(consumed, full ? consumed : buffer.End);
        _partial = buffer.Slice(consumed).Length;
        if (fault == StreamFramer.Fault.None) return true;
        drops.Add(fault == StreamFramer.Fault.EmptyFrame ? DropReason.TooShort : DropReason.Truncated);
        Disconnect(fault == StreamFramer.Fault.EmptyFrame
            ? "a frame length of 0"
            : $"a frame length of {length}, over the limit of {StreamFramer.MaxFrameLength}");
        return false;
    }

    private void Accept()
    {
        int fd = accept4(_listen.Fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int size = 4 << 20;
        setsockopt(fd, SOL_SOCKET, Sys.SO_SNDBUFFORCE, &size, sizeof(int));
        setsockopt(fd, SOL_SOCKET, Sys.SO_RCVBUFFORCE, &size, sizeof(int));
        if (_connection >= 0) Disconnect("a new peer connected");
        Watch(_poll.Fd, fd, ConnectionToken);
        lock (_sendLock) _connection = fd;
        if (_peerLogs.Allow(out int suppressed)) LogConnected(_log, Name, Held(suppressed));
    }

    /// <summary>Closes the connection (the port listens on); <paramref name="fault"/> says why when it was the peer's
    /// fault.</summary>
    private void Disconnect(string? fault)
    {
        int fd;
        lock (_sendLock)
        {
            fd = _connection;
            _connection = -1;
        }
        if (fd < 0) return;
        close(fd);
        _received.Reader.Complete();
        _received.Writer.Complete();
        _received.Reset();
        _partial = 0;
        if (!_peerLogs.Allow(out int suppressed)) return;
        if (fault is null) LogDisconnected(_log, Name, Held(suppressed));
        else LogDropped(_log, Name, fault, Held(suppressed));
    }

    // ---- transmit (any worker) ----------------------------------------------------------------

    /// <summary>
    /// Frames are finished in software (checksums, segmentation) into one buffer and sent with as few
    /// send()s as it takes; only frames whose bytes the socket took count as sent.
    /// </summary>
    public TxResult Transmit(PacketBatch batch, ReadOnlySpan<int> packets)
    {
        if (_connection < 0) return TxResult.NoneSent(packets.Length); // nobody connected: no link
        var tally = new TxTally();
        lock (_sendLock)
        {
            int fd = _connection;
            if (fd < 0) return TxResult.NoneSent(packets.Length);
            int used = 0;
            // Frames in the buffer, not yet sent: counted once a send has taken them.
            int buffered = 0;
            long bufferedBytes = 0;
            foreach (int packet in packets)
            {
                var frame = batch.Frame(packet);
                var result = SoftwareOffload.WriteLengthPrefixed(frame, batch.Offload(packet), _send.AsSpan(used),
                    out int written, out _);
                if (result == SoftwareOffload.Result.NoRoom)
                {
                    if (!SendAll(fd, used)) return tally.Of(packets.Length);
                    Commit(ref tally, ref buffered, ref bufferedBytes);
                    used = 0;
                    result = SoftwareOffload.WriteLengthPrefixed(frame, batch.Offload(packet), _send, out written,
                        out _);
                }
                if (result != SoftwareOffload.Result.Done)
                {
                    tally.Refused();
                    continue;
                }
                used += written;
                buffered++;
                bufferedBytes += frame.Length;
            }
            if (SendAll(fd, used)) Commit(ref tally, ref buffered, ref bufferedBytes);
        }
        return tally.Of(packets.Length);
    }

    private static void Commit(ref TxTally tally, ref int frames, ref long bytes)
    {
        tally.Delivered(frames, bytes);
        frames = 0;
        bytes = 0;
    }

    /// <summary>The socket's EPOLLERR never reaches the worker: the inner epoll hears the connection's
    /// hang-up.</summary>
    public PortHealth Poll() => PortHealth.Ok;

    /// <summary>
    /// Writes the buffer's first <paramref name="length"/> bytes. A stream cannot drop half a frame, so when
    /// the socket is full this waits for room, a little: a peer that reads nothing for 100 ms is dropped.
    /// </summary>
    private bool SendAll(int fd, int length)
    {
        int done = 0;
        fixed (byte* buffer = _send)
        {
            while (done < length)
            {
                long n = send(fd, buffer + done, length - done, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                {
                    var wait = new pollfd { fd = fd, events = POLLOUT };
                    if (poll(&wait, 1, 100) > 0) continue;
                }
                if (_peerLogs.Allow(out int suppressed)) LogSendFailed(_log, Name, done, length, Held(suppressed));
                shutdown(fd, SHUT_RDWR); // the receiving worker sees the hang-up and closes the connection
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
        Disconnect(null);
        _listen.Dispose();
        _poll.Dispose();
        _wake.Dispose();
        File.Delete(SocketPath);
    }

    private static string Held(int suppressed) =>
        suppressed == 0 ? "" : $" ({suppressed} more messages of this port were suppressed)";

    // A peer that connects and misbehaves in a loop would otherwise log two lines a connection for as long as it
    // liked: these messages share one limit per port, and the next one that passes says how many were held back.
    [LoggerMessage(Level = LogLevel.Information,
        Message = "stream port {Port}: a peer connected{Held}")]
    private static partial void LogConnected(ILogger log, string port, string held);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "stream port {Port}: the peer disconnected{Held}")]
    private static partial void LogDisconnected(ILogger log, string port, string held);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "stream port {Port}: connection dropped: {Reason}; listening for the next one{Held}")]
    private static partial void LogDropped(ILogger log, string port, string reason, string held);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "stream port {Port}: the peer stopped reading ({Done} of {Length} bytes sent); connection dropped{Held}")]
    private static partial void LogSendFailed(ILogger log, string port, int done, int length, string held);
}
