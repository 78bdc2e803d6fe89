using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Protocol;
using VSwitch.Linux.Files;

namespace VSwitch.Daemon;

/// <summary>
/// The control socket: a Unix stream socket, one JSON request line in, one JSON response line out per
/// connection. Commands from several clients are serialised by the controller's lock. A client gets at
/// most <see cref="RequestTimeout"/> to send its request, and one of at most <see cref="MaxConnections"/>
/// connections at a time; a request over <see cref="RequestLine.MaxBytes"/> is refused unread.
/// </summary>
public sealed partial class ControlServer(string path, ControlSocketAccess access, CommandDispatcher dispatcher,
    ILogger log) : IDisposable
{
    public const int MaxConnections = 64;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private CancellationToken _stopping;
    private int _connections;

    public void Start(CancellationToken stopping)
    {
        _stopping = stopping;
        if (access.PrepareDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!) is { } tightened)
            LogDirectoryTightened(log, tightened);
        RemoveStaleSocket();
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        access.Apply(path);
        _listener.Listen(MaxConnections);
        _ = AcceptLoop(stopping);
    }

    /// <summary>A socket file left by a killed daemon is removed; one with a live daemon behind it is not.</summary>
    private void RemoveStaleSocket()
    {
        if (!File.Exists(path)) return;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new IOException($"another vswitchd is already listening on {path}");
    }

    private async Task AcceptLoop(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested) { return; }
            catch (ObjectDisposedException) { return; }
            int open = Interlocked.Increment(ref _connections);
            LogAccepted(log, open);
            if (open > MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                Refuse(client, $"vswitchd is serving {MaxConnections} connections already; try again");
                continue;
            }
            _ = Task.Run(async () =>
            {
                try { await Serve(client); }
                finally { Interlocked.Decrement(ref _connections); }
            }, stopping);
        }
    }

    /// <summary>Answers a connection it will not serve, without waiting on the client.</summary>
    private static void Refuse(Socket client, string reason)
    {
        using var _ = client;
        try
        {
            client.Blocking = false;
            client.Send(Encoding.UTF8.GetBytes(Answer(ControlResponse.Failure(reason)) + "\n"));
        }
        catch (SocketException) { /* the client went away, or cannot take even that */ }
    }

    private async Task Serve(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            waiting.CancelAfter(RequestTimeout);
            (RequestLine.Outcome outcome, string? line) read;
            try
            {
                read = await RequestLine.ReadAsync(reader, waiting.Token);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                await writer.WriteLineAsync(Answer(ControlResponse.Failure(
                    $"no request within {RequestTimeout.TotalSeconds:0} s; connection closed")));
                return;
            }
            if (read.outcome == RequestLine.Outcome.Closed) return;
            if (read.outcome == RequestLine.Outcome.TooLong)
            {
                await writer.WriteLineAsync(Answer(ControlResponse.Failure(
                    $"request refused: longer than {RequestLine.MaxBytes / 1024} KiB")));
                return;
            }
            ControlResponse response;
            try
            {
                var request = JsonSerializer.Deserialize(read.line!, ProtocolJsonContext.Default.ControlRequest);
                if (request?.Command == "capture")
                {
                    await CaptureStream.Serve(dispatcher.Controller, request, client, stream, writer, log, _stopping);
                    return;
                }
                response = request is null ? ControlResponse.Failure("empty request") : dispatcher.Execute(request);
                if (request is not null) LogCommand(log, request.Command ?? "(none)", response.Ok);
            }
            catch (JsonException e)
            {
                response = ControlResponse.Failure($"malformed request: {e.Message}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug, not the client's fault: it still gets an answer, and the log has the details.
                LogCommandFailed(log, e);
                response = ControlResponse.Failure($"internal error ({e.GetType().Name}: {e.Message}); vswitchd's " +
                    "log has the details");
            }
            await writer.WriteLineAsync(Answer(response));
        }
        catch (IOException) { /* the client went away */ }
        catch (OperationCanceledException) { /* the daemon stops */ }
        catch (Exception e)
        {
            LogServeFailed(log, e);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static string Answer(ControlResponse response) =>
        JsonSerializer.Serialize(response, ProtocolJsonContext.Default.ControlResponse);

    public void Dispose()
    {
        _listener.Dispose();
        try { File.Delete(path); } catch (IOException) { }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "control connection accepted: {Open} open")]
    private static partial void LogAccepted(ILogger log, int open);

    [LoggerMessage(Level = LogLevel.Debug, Message = "control command {Command}: {Ok}")]
    private static partial void LogCommand(ILogger log, string command, bool ok);

    [LoggerMessage(Level = LogLevel.Error, Message = "control command failed with an unexpected exception")]
    private static partial void LogCommandFailed(ILogger log, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "control connection failed")]
    private static partial void LogServeFailed(ILogger log, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}")]
    private static partial void LogDirectoryTightened(ILogger log, string what);
}
