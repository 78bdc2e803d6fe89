using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VSwitch.Core.Protocol;
using VSwitch.Ctl;

CommandLine line;
try
{
    line = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vswitchctl: {e.Message}");
    return 2;
}

if (line.Help)
{
    Console.Write(line.HelpFor is null ? HelpText.Overview() : HelpText.For(line.HelpFor));
    return 0;
}

var request = line.Request!;
Stream? captureOutput = null;
if (request.Command == "capture")
{
    if (!request.Options.Remove("w", out var target))
    {
        Console.Error.WriteLine("vswitchctl: capture needs -w FILE (or -w - for standard output)");
        return 2;
    }
    try
    {
        captureOutput = target == "-" ? Console.OpenStandardOutput() : new FileStream(target, FileMode.Create,
            FileAccess.Write);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"vswitchctl: cannot write {target}: {e.Message}");
        return 1;
    }
}

string socketPath = ControlSocketPath.Resolve(line.Socket);
try
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    socket.Connect(new UnixDomainSocketEndPoint(socketPath));
    using var stream = new NetworkStream(socket, ownsSocket: false);
    stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ProtocolJsonContext.Default.ControlRequest)
        + "\n"));
    // Capture's pcap follows the answer on the same stream, so that answer is read without buffering ahead.
    string? answer = captureOutput is null ? new StreamReader(stream, Encoding.UTF8).ReadLine()
        : ResponseLine.Read(stream);
    if (answer is null)
    {
        Console.Error.WriteLine("vswitchctl: vswitchd closed the connection without an answer");
        return 1;
    }
    if (ResponseLine.Parse(answer) is not { } response)
    {
        Console.Error.WriteLine($"vswitchctl: {socketPath} answered with something that is not vswitchd's answer: " +
            ResponseLine.Excerpt(answer));
        return 1;
    }
    if (!response.Ok)
    {
        Console.Error.WriteLine($"vswitchctl: {response.Error ?? "refused, without a reason"}");
        return 1;
    }
    if (captureOutput is not null)
    {
        // pcap follows the response line until the count is reached; Ctrl-C ends it early.
        using (captureOutput) stream.CopyTo(captureOutput);
        return 0;
    }
    Console.Write(response.Output);
    return 0;
}
catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
{
    Console.Error.WriteLine($"vswitchctl: cannot reach vswitchd at {socketPath}: {e.Message} (only root, and the " +
        "group vswitchd was given with --socket-group, may use it)");
    return 1;
}
catch (SocketException e)
{
    Console.Error.WriteLine($"vswitchctl: cannot reach vswitchd at {socketPath}: {e.Message} (is vswitchd running? " +
        $"--socket or $VSWITCH_SOCKET choose another socket)");
    return 1;
}
catch (IOException e)
{
    Console.Error.WriteLine($"vswitchctl: {e.Message}");
    return 1;
}
