namespace VSwitch.Integration.Tests;

/// <summary>A TCP transfer between two namespaces whose data is checked end to end with SHA-256.</summary>
public static class Transfer
{
    private const string Server = """
        import hashlib, socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); s.settimeout(30)
        c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
        while True:
            b = c.recv(1 << 20)
            if not b: break
            h.update(b); n += len(b)
        print(n, h.hexdigest())
        """;

    private const string Client = """
        import hashlib, os, socket, sys, time
        data = os.urandom(int(sys.argv[3]))
        for attempt in range(50):
            try:
                c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30); break
            except OSError:
                time.sleep(0.1)
        c.sendall(data); c.close()
        print(len(data), hashlib.sha256(data).hexdigest())
        """;

    /// <summary>Sends <paramref name="bytes"/> random bytes from one namespace to another; returns (sent, received) as
    /// "length hash".</summary>
    public static (string Sent, string Received) Run(string fromNs, string toNs, string toAddress, int bytes,
        int port = 5001)
    {
        var server = Task.Run(() => Shell.Run("ip", ["netns", "exec", toNs, "python3", "-c", Server, port.ToString()],
            TimeSpan.FromSeconds(60)));
        var client = Shell.Run("ip", ["netns", "exec", fromNs, "python3", "-c", Client, toAddress, port.ToString(),
            bytes.ToString()], TimeSpan.FromSeconds(60));
        var received = server.Result;
        Assert.True(client.Ok, $"client: {client}");
        Assert.True(received.Ok, $"server: {received}");
        return (client.Output.Trim(), received.Output.Trim());
    }
}
