using System.Text;
using System.Text.Json;
using VSwitch.Core.Protocol;

namespace VSwitch.Ctl;

/// <summary>
/// The daemon's one-line JSON answer. <see cref="Read"/> reads it byte by byte, so nothing after it
/// (capture's pcap stream) is swallowed by a reader's buffer; capture's answer is a few bytes, so the
/// per-byte reads cost nothing.
/// </summary>
public static class ResponseLine
{
    public static string? Read(Stream stream)
    {
        var bytes = new List<byte>(256);
        Span<byte> one = stackalloc byte[1];
        while (stream.Read(one) == 1)
        {
            if (one[0] == (byte)'\n') return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Add(one[0]);
        }
        return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The answer, or null when the line is not one (another program on the socket, a truncated
    /// line).</summary>
    public static ControlResponse? Parse(string line)
    {
        try
        {
            var response = JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.ControlResponse);
            return response is not null && (response.Ok || response.Error is not null) ? response : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The start of a line, printable on one line of an error message.</summary>
    public static string Excerpt(string line)
    {
        string shown = new(line.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return line.Length > 80 ? $"'{shown}…'" : $"'{shown}'";
    }
}
