using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Control;
using VSwitch.Core.Observability;

namespace VSwitch.Daemon;

/// <summary>
/// The optional Prometheus endpoint (--metrics-listen ADDRESS:PORT): answers GET /metrics with the
/// VSwitch meter in text format, anything else with 404. One small HTTP/1.0-style exchange per
/// connection; scrapers need no more, and it keeps an HTTP server stack out of the daemon.
/// </summary>
public sealed partial class MetricsEndpoint(IPEndPoint endpoint, Meter meter, ILogger log) : IDisposable
{
    private readonly TcpListener _listener = new(endpoint);

    public static IPEndPoint ParseAddress(string text) =>
        IPEndPoint.TryParse(text, out var parsed) && parsed.Port != 0 ? parsed
            : throw new VSwitch.Core.Control.ConfigException($"--metrics-listen: '{text}' is not ADDRESS:PORT (such " +
                $"as 127.0.0.1:9101)");

    public void Start(CancellationToken stopping)
    {
        _listener.Start();
        LogListening(log, endpoint.ToString());
        _ = AcceptLoop(stopping);
    }

    private async Task AcceptLoop(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(stopping); }
            catch (Exception e)
                when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => Serve(client), stopping);
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            string? requestLine = await reader.ReadLineAsync(timeout.Token);
            while (await reader.ReadLineAsync(timeout.Token) is { Length: > 0 }) { } // headers
            var parts = requestLine?.Split(' ') ?? [];
            bool metrics = parts.Length >= 2 && parts[0] == "GET" && (parts[1] == "/metrics"
                || parts[1].StartsWith("/metrics?", StringComparison.Ordinal));
            string body = metrics ? PrometheusText.Render(meter) : "not found: the metrics are at /metrics\n";
            string head = metrics ? "200 OK" : "404 Not Found";
            string contentType = metrics ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8";
            var bytes = Encoding.UTF8.GetBytes(body);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {head}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: " +
                    $"close\r\n\r\n"), timeout.Token);
            await stream.WriteAsync(bytes, timeout.Token);
        }
        catch (Exception e)
            when (e is IOException or OperationCanceledException or SocketException) { /* scraper went away */ }
    }

    public void Dispose() => _listener.Stop();

    [LoggerMessage(Level = LogLevel.Information, Message = "Prometheus metrics on http://{Endpoint}/metrics")]
    private static partial void LogListening(ILogger log, string endpoint);
}
