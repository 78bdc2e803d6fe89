using System.Text;

namespace VSwitch.Ctl;

/// <summary>
/// Reads the daemon's one-line JSON answer byte by byte, so nothing after it (capture's pcap stream) is
/// swallowed by a reader's buffer. Capture's answer is a few bytes, so the per-byte reads cost nothing.
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
}
