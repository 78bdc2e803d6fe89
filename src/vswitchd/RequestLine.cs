using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace VSwitch.Daemon;

/// <summary>
/// Reads one request line from a control connection, no longer than <see cref="MaxBytes"/>: a client cannot
/// make the daemon buffer more than that, however long it keeps sending.
/// </summary>
public static class RequestLine
{
    /// <summary>A request names a command and its arguments; 64 KiB is many times the longest real one.</summary>
    public const int MaxBytes = 64 * 1024;

    public enum Outcome { Line, Closed, TooLong }

    /// <summary>The line without its newline, or why there is none: the client closed the connection first, or
    /// sent more than <see cref="MaxBytes"/> without one.</summary>
    public static async Task<(Outcome Outcome, string? Line)> ReadAsync(PipeReader reader, CancellationToken cancel)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancel);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                if (line.Length > MaxBytes) return (Outcome.TooLong, null);
                string text = Encoding.UTF8.GetString(line);
                reader.AdvanceTo(buffer.GetPosition(1, end));
                return (Outcome.Line, text);
            }
            if (buffer.Length > MaxBytes) return (Outcome.TooLong, null);
            if (result.IsCompleted)
            {
                // A last line without its newline is still a request (printf '%s' '{...}' | socat).
                string? last = buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer);
                reader.AdvanceTo(buffer.End);
                return last is null ? (Outcome.Closed, null) : (Outcome.Line, last);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
