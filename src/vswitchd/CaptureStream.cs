using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Capture;
using VSwitch.Core.Control;
using VSwitch.Core.Protocol;

namespace VSwitch.Daemon;

/// <summary>
/// Serves `vswitchctl capture`: one JSON response line, then raw pcap bytes on the same connection until
/// the count is reached, the client hangs up, or the daemon stops. The datapath only copies frames into
/// per-worker rings; formatting and socket writes happen here, off the workers.
/// </summary>
public static partial class CaptureStream
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);

    public static async Task Serve(SwitchController controller, ControlRequest request, Socket client, Stream stream,
        StreamWriter writer, ILogger log, CancellationToken stopping)
    {
        CaptureSession session;
        long limit;
        try
        {
            CommandDispatcher.Validate(request);
            limit = ParseCount(request.Options.GetValueOrDefault("c"));
            session = controller.StartCapture(request.Args[0]);
        }
        catch (ConfigException e)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(ControlResponse.Failure(e.Message),
                ProtocolJsonContext.Default.ControlResponse));
            return;
        }

        LogStarted(log, session.Port, limit == long.MaxValue ? "no limit"
            : limit.ToString(CultureInfo.InvariantCulture));
        var reader = new CaptureReader(session);
        using var hangup = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // The client sends nothing more; a read that completes means it hung up.
        _ = WatchHangup(client, hangup);
        try
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(ControlResponse.Success(""),
                ProtocolJsonContext.Default.ControlResponse));
            reader.WriteGlobalHeader(stream);
            while (!hangup.IsCancellationRequested && reader.Written < limit)
            {
                if (reader.DrainTo(stream, limit - reader.Written) == 0)
                {
                    if (session.Ended) break; // the port was removed and its last frames are written
                    await stream.FlushAsync(hangup.Token);
                    await Task.Delay(Poll, hangup.Token);
                }
            }
            await stream.FlushAsync(CancellationToken.None);
        }
        catch (Exception e)
            when (e is IOException or OperationCanceledException or SocketException)
        {
            // the client went away or we stop
        }
        finally
        {
            controller.StopCapture(session);
            LogStopped(log, session.Port, reader.Written, session.Dropped);
        }
    }

    private static long ParseCount(string? text)
    {
        if (text is null) return long.MaxValue;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
            ? n : throw new ConfigException($"capture: -c '{text}' is not a positive number of frames");
    }

    private static async Task WatchHangup(Socket client, CancellationTokenSource hangup)
    {
        var buffer = new byte[1];
        try
        {
            while (await client.ReceiveAsync(buffer, SocketFlags.None, hangup.Token) > 0) { }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        try { hangup.Cancel(); } catch (ObjectDisposedException) { }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "capture on {Port} started ({Limit})")]
    private static partial void LogStarted(ILogger log, string port, string limit);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "capture on {Port} ended: {Written} frames written, {Dropped} dropped because the reader fell " +
            "behind")]
    private static partial void LogStopped(ILogger log, string port, long written, long dropped);
}
