using System.Net.Sockets;
using System.Text;

namespace VSwitch.Daemon;

/// <summary>
/// systemd's readiness protocol (sd_notify(3)): with Type=notify, systemd passes $NOTIFY_SOCKET and
/// waits for "READY=1" before it counts the service as started, so units ordered after vswitchd find
/// its bridges and control socket in place. A no-op when not run by systemd.
/// </summary>
public static class SystemdNotify
{
    public static void Send(string state)
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return;
        // An '@' prefix names an abstract socket, which the endpoint spells with a leading NUL.
        if (path[0] == '@') path = "\0" + path[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            // systemd went away or the socket is wrong: readiness is advisory, the daemon keeps running.
        }
    }
}
