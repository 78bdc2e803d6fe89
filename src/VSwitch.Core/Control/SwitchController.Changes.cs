using Microsoft.Extensions.Logging;
using VSwitch.Core.Config;

namespace VSwitch.Core.Control;

// All-or-nothing: a refused change, including one whose configuration file cannot be written, leaves the
// running switch, the kernel's devices and the file as they were.
//
// Additions and settings are applied first and written after; if the file cannot be written they are undone,
// which is cheap and exact (close the port just opened, put the old value back). Removals go the other way:
// the configuration as it will be without the object is written first, and only then is the object removed.
// Undoing a removal would mean recreating a TAP a guest held or a port a namespace had, which cannot be made
// exact.
public sealed partial class SwitchController
{
    /// <summary>
    /// Writes the configuration after a change that has been applied; when the file cannot be written, runs
    /// <paramref name="undo"/>, publishes the state as it was, and refuses the change.
    /// </summary>
    private void PersistOrUndo(Action undo)
    {
        try
        {
            Persist();
        }
        catch (Exception e) when (IsFileFailure(e))
        {
            try
            {
                undo();
            }
            catch (Exception failure) when (failure is IOException or ConfigException)
            {
                LogUndoFailed(_log, failure.Message);
            }
            Publish();
            throw Unsaved(e);
        }
    }

    /// <summary>Publishes an applied change and writes it, or undoes it (<see cref="PersistOrUndo"/>).</summary>
    private void CommitOrUndo(Action undo)
    {
        Publish();
        PersistOrUndo(undo);
    }

    /// <summary>
    /// Writes the configuration as it will be once a removal is done, before it is done: <paramref
    /// name="removal"/> takes the object out of the current configuration. A file that cannot be written
    /// refuses the removal with nothing touched.
    /// </summary>
    private void PersistWithout(Action<SwitchConfig> removal)
    {
        if (_persist is null) return;
        var next = BuildConfig();
        removal(next);
        try
        {
            _persist(next);
        }
        catch (Exception e) when (IsFileFailure(e))
        {
            throw Unsaved(e);
        }
    }

    private static BridgeConfig BridgeIn(SwitchConfig config, string bridge) =>
        config.Bridges.First(b => b.Name == bridge);

    private static bool IsFileFailure(Exception e) => e is IOException or UnauthorizedAccessException;

    private static IOException Unsaved(Exception e) =>
        new($"the configuration could not be saved, so nothing was changed: {e.Message}", e);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "a change refused because the configuration could not be saved was not fully undone: {Reason}")]
    private static partial void LogUndoFailed(ILogger log, string reason);
}
