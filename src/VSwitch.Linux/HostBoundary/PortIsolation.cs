using System.Buffers.Binary;
using System.Collections.Concurrent;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.HostBoundary;

/// <summary>
/// Keeps the host's own stack off the interfaces the switch attaches (PIFs, bond members, raw ports, VIFs),
/// as the kernel bridge's rx_handler does for its ports: frames received there belong to the switch
/// alone, and the host reaches the network only through the bridges' own interfaces. Without it, the
/// host answers a ping to its management address twice: once through the bridge, once straight off the
/// NIC.
/// <list type="bullet">
/// <item>Receive: a cls_bpf drop on the interface's tc ingress hook (<see cref="IngressFilter"/>), which
/// runs after packet sockets have taken their copy.</item>
/// <item>Transmit: IPv6 off on the interface (<see cref="Ipv6Setting"/>), so the host sends nothing from it
/// by itself.</item>
/// </list>
/// Both are undone exactly when the port goes (<see cref="Release"/>). What to undo is written into the
/// filter's name, so after a SIGKILL the next daemon finds it in the kernel: it keeps the record for an
/// interface that is still a port and undoes the rest (<see cref="RepairLeftovers"/>).
/// </summary>
public sealed class PortIsolation : IDisposable
{
    private readonly DropProgram _program;
    // The interfaces isolated now, by index: what RepairLeftovers must leave alone.
    private readonly ConcurrentDictionary<int, Claim> _claims = new();

    private PortIsolation(DropProgram program) => _program = program;

    /// <summary>Loads the drop program; the kernel's refusal (no BPF, no privilege) is an <see
    /// cref="IOException"/>.</summary>
    public static PortIsolation Create() => new(DropProgram.Load());

    /// <summary>An interface the switch holds, and what to put back when it lets go.</summary>
    public sealed record Claim(int Index, string Device, bool Ipv6WasDisabled, bool QdiscIsOurs);

    /// <summary>
    /// Takes <paramref name="device"/> from the host's stack. Call before the interface is brought up, so
    /// no IPv6 frame leaves it first. An interface still isolated by a daemon that was killed keeps the
    /// record that daemon made.
    /// </summary>
    public Claim Isolate(string device)
    {
        int index = NetInterface.Index(device);
        if (index == 0) throw new IOException($"interface {device} does not exist");
        using var netlink = RtNetlink.Open();
        var (left, _) = IngressFilter.Find(netlink, index, device);
        if (left is { } undo)
        {
            Ipv6Setting.Set(device, disabled: true);
            return _claims[index] = new Claim(index, device, undo.Ipv6WasDisabled, undo.QdiscIsOurs);
        }
        bool ipv6WasDisabled = Ipv6Setting.IsDisabled(device) ?? true;
        bool qdiscIsOurs = IngressFilter.AddQdisc(netlink, index, device);
        try
        {
            IngressFilter.Add(netlink, index, device, _program, new IngressFilter.Undo(ipv6WasDisabled, qdiscIsOurs));
        }
        catch
        {
            if (qdiscIsOurs) IngressFilter.DeleteQdisc(netlink, index, device);
            throw;
        }
        if (!ipv6WasDisabled) Ipv6Setting.Set(device, disabled: true);
        return _claims[index] = new Claim(index, device, ipv6WasDisabled, qdiscIsOurs);
    }

    /// <summary>
    /// Gives the interface back to the host as it was. The interface may have been renamed meanwhile (it
    /// is found by its index) or deleted (then there is nothing to undo).
    /// </summary>
    public void Release(Claim claim)
    {
        _claims.TryRemove(new KeyValuePair<int, Claim>(claim.Index, claim));
        string? current = NetInterface.NameOf(claim.Index);
        if (current is null) return; // gone with everything on it
        Undo(claim.Index, current, new IngressFilter.Undo(claim.Ipv6WasDisabled, claim.QdiscIsOurs));
    }

    /// <summary>
    /// Undoes the isolation a killed daemon left on interfaces that are not ports any more (none isolated
    /// now). Call once the configuration is restored. Returns the names of the interfaces given back.
    /// </summary>
    public List<string> RepairLeftovers()
    {
        var repaired = new List<string>();
        using var netlink = RtNetlink.Open();
        foreach (var (index, device) in Links(netlink))
        {
            if (_claims.ContainsKey(index)) continue;
            if (IngressFilter.Find(netlink, index, device).Ours is not { } undo) continue;
            Undo(index, device, undo);
            repaired.Add(device);
        }
        return repaired;
    }

    private static void Undo(int index, string device, IngressFilter.Undo undo)
    {
        using var netlink = RtNetlink.Open();
        IngressFilter.Delete(netlink, index, device);
        // The qdisc goes only if it was ours and nobody has put a filter of their own on it since.
        if (undo.QdiscIsOurs && IngressFilter.Find(netlink, index, device).Others == 0)
            IngressFilter.DeleteQdisc(netlink, index, device);
        if (!undo.Ipv6WasDisabled) Ipv6Setting.Set(device, disabled: false);
    }

    /// <summary>Every interface of the daemon's namespace (RTM_GETLINK dump): index and name.</summary>
    private static List<(int Index, string Name)> Links(RtNetlink netlink)
    {
        var links = new List<(int, string)>();
        Span<byte> request = stackalloc byte[64];
        int length = RtNetlink.Begin(request, RtNetlink.RTM_GETLINK, RtNetlink.NLM_F_REQUEST, RtNetlink.IfInfoLength);
        netlink.Dump(request, length, "RTM_GETLINK dump", (type, message) =>
        {
            if (type != RtNetlink.RTM_NEWLINK || message.Length < RtNetlink.HeaderLength
                + RtNetlink.IfInfoLength) return;
            int index = BinaryPrimitives.ReadInt32LittleEndian(message[(RtNetlink.HeaderLength + 4)..]);
            var name = RtNetlink.Attribute(message, RtNetlink.HeaderLength + RtNetlink.IfInfoLength,
                RtNetlink.IFLA_IFNAME);
            if (!name.IsEmpty) links.Add((index, IfReq.NameOf(name)));
        });
        return links;
    }

    public void Dispose() => _program.Dispose();
}
