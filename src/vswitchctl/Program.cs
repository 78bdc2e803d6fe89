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

string socketPath = ControlSocketPath.Resolve(line.Socket);
try
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    socket.Connect(new UnixDomainSocketEndPoint(socketPath));
    using var stream = new NetworkStream(socket, ownsSocket: false);
    using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
    using var reader = new StreamReader(stream, Encoding.UTF8);
    writer.WriteLine(JsonSerializer.Serialize(line.Request!, ProtocolJsonContext.Default.ControlRequest));
    string? answer = reader.ReadLine();
    var response = answer is null ? null : JsonSerializer.Deserialize(answer, ProtocolJsonContext.Default.ControlResponse);
    if (response is null)
    {
        Console.Error.WriteLine("vswitchctl: vswitchd closed the connection without an answer");
        return 1;
    }
    if (!response.Ok)
    {
        Console.Error.WriteLine($"vswitchctl: {response.Error}");
        return 1;
    }
    Console.Write(response.Output);
    return 0;
}
catch (SocketException e)
{
    Console.Error.WriteLine($"vswitchctl: cannot reach vswitchd at {socketPath}: {e.Message} (is vswitchd running? --socket or $VSWITCH_SOCKET choose another socket)");
    return 1;
}
