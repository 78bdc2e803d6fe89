using Tmds.Linux;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Datapath;

/// <summary>An epoll instance whose event data is a port index (or <see cref="WakeToken"/> for the wake-up
/// eventfd).</summary>
internal sealed unsafe class Epoll : IDisposable
{
    public const ulong WakeToken = ulong.MaxValue;

    private readonly FileDescriptor _epoll;
    private readonly FileDescriptor _wake;

    public Epoll()
    {
        int fd = epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) throw NativeError.Last("epoll_create1");
        _epoll = new FileDescriptor(fd);
        int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wake < 0) throw NativeError.Last("eventfd");
        _wake = new FileDescriptor(wake);
        Add(wake, WakeToken);
    }

    public void Add(int fd, ulong token)
    {
        if (!TryAdd(fd, token)) throw NativeError.Last($"epoll_ctl(ADD, fd {fd})");
    }

    /// <summary>Add for a worker thread, which must not throw: false (errno set) where Add would throw.</summary>
    public bool TryAdd(int fd, ulong token)
    {
        var ev = new epoll_event { events = EPOLLIN };
        ev.data.u64 = token;
        return epoll_ctl(_epoll.Fd, EPOLL_CTL_ADD, fd, &ev) == 0;
    }

    public void Remove(int fd)
    {
        var ev = new epoll_event();
        // ENOENT/EBADF: already gone, which is what we wanted.
        epoll_ctl(_epoll.Fd, EPOLL_CTL_DEL, fd, &ev);
    }

    /// <summary>Waits for events; returns how many were written to <paramref name="events"/>, 0 on timeout or
    /// signal.</summary>
    public int Wait(epoll_event* events, int capacity, int timeoutMs)
    {
        int n = epoll_wait(_epoll.Fd, events, capacity, timeoutMs);
        return n < 0 ? 0 : n;
    }

    public void Wake()
    {
        ulong one = 1;
        write(_wake.Fd, &one, sizeof(ulong));
    }

    public void DrainWake()
    {
        ulong value;
        read(_wake.Fd, &value, sizeof(ulong));
    }

    public void Dispose()
    {
        _epoll.Dispose();
        _wake.Dispose();
    }
}
