using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Protocol;

namespace VSwitch.Daemon;

/// <summary>
/// The control socket: a Unix stream socket, one JSON request line in, one JSON response line out per
/// connection. Commands from several clients are serialised by the controller's lock.
/// </summary>
public sealed partial class ControlServer(string path, CommandDispatcher dispatcher, ILogger log) : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private CancellationToken _stopping;

    public void Start(CancellationToken stopping)
    {
        _stopping = stopping;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        RemoveStaleSocket();
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(64);
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
            _ = Task.Run(() => Serve(client), stopping);
        }
    }

    private async Task Serve(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        try
        {
            string? line = await reader.ReadLineAsync();
            if (line is null) return;
            ControlResponse response;
            try
            {
                var request = JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.ControlRequest);
                if (request?.Command == "capture")
                {
                    await CaptureStream.Serve(dispatcher.Controller, request, client, stream, writer, log, _stopping);
                    return;
                }
                response = request is null ? ControlResponse.Failure("empty request") : dispatcher.Execute(request);
                if (request is not null) LogCommand(log, request.Command, response.Ok);
            }
            catch (JsonException e)
            {
                response = ControlResponse.Failure($"malformed request: {e.Message}");
            }
            await writer.WriteLineAsync(JsonSerializer.Serialize(response,
                ProtocolJsonContext.Default.ControlResponse));
        }
        catch (IOException) { /* the client went away */ }
        catch (Exception e)
        {
            LogServeFailed(log, e);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        try { File.Delete(path); } catch (IOException) { }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "control command {Command}: {Ok}")]
    private static partial void LogCommand(ILogger log, string command, bool ok);

    [LoggerMessage(Level = LogLevel.Error, Message = "control connection failed")]
    private static partial void LogServeFailed(ILogger log, Exception error);
}
