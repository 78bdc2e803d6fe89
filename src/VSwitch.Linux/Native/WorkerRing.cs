namespace VSwitch.Linux.Native;

/// <summary>
/// The io_uring of the worker thread running now, or null (io_uring off or refused, or a thread that is
/// not a worker, such as the control thread sending an announcement). Ports reach it here because
/// Transmit is called from the core pipeline, which knows nothing of rings.
/// </summary>
internal static class WorkerRing
{
    [ThreadStatic] public static IoUring? Current;
}
