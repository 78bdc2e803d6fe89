using System.Buffers.Binary;
using VSwitch.Linux.Interfaces;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.HostBoundary;

/// <summary>
/// The tc side of the host boundary, over rtnetlink (what `tc qdisc add dev IF clsact` and
/// `tc filter add dev IF ingress pref 1 handle 1 bpf da fd N name …` do): a clsact qdisc on the
/// interface, and on its ingress hook one cls_bpf filter in direct-action mode running the
/// <see cref="DropProgram"/>. The filter's name is free text that tc prints; it carries what to undo
/// (<see cref="FilterName"/>), so the kernel itself remembers it for as long as the interface lives,
/// across a SIGKILL of the daemon.
/// </summary>
internal static class IngressFilter
{
    private const ushort RTM_NEWQDISC = 36, RTM_DELQDISC = 37;
    private const ushort RTM_NEWTFILTER = 44, RTM_DELTFILTER = 45, RTM_GETTFILTER = 46;
    private const ushort TCA_KIND = 1, TCA_OPTIONS = 2;
    private const ushort TCA_BPF_FD = 6, TCA_BPF_NAME = 7, TCA_BPF_FLAGS = 8;
    private const int TCA_BPF_FLAG_ACT_DIRECT = 1;
    private const int TcMsgLength = 20;
    private const uint ClsactHandle = 0xFFFF0000;   // TC_H_MAKE(TC_H_CLSACT, 0)
    private const uint ClsactParent = 0xFFFFFFF1;   // TC_H_CLSACT
    private const uint IngressParent = 0xFFFFFFF2;  // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
    private const uint EgressParent = 0xFFFFFFF3;   // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)
    private const int EEXIST = 17, ENOENT = 2, ENODEV = 19, EINVAL = 22;

    /// <summary>pref 1: the filter runs before any an operator adds later (tc numbers those from 49152 down).</summary>
    public const ushort Preference = 1;
    public const uint Handle = 1;
    private const ushort EthPAllNetworkOrder = 0x0300; // htons(ETH_P_ALL)

    /// <summary>Every filter this program installs has a name that starts with this.</summary>
    public const string NamePrefix = "vswitchd-port";

    /// <summary>What the filter's name records: the setting to put back, and whether the qdisc was ours to
    /// add.</summary>
    public readonly record struct Undo(bool Ipv6WasDisabled, bool QdiscIsOurs);

    public static string FilterName(Undo undo) =>
        $"{NamePrefix} " +
            $"undo:disable_ipv6={(undo.Ipv6WasDisabled ? 1 : 0)},clsact={(undo.QdiscIsOurs ? "delete" : "keep")}";

    public static Undo? ParseName(string name)
    {
        if (!name.StartsWith(NamePrefix + " undo:", StringComparison.Ordinal)) return null;
        bool ipv6Disabled = name.Contains("disable_ipv6=1", StringComparison.Ordinal);
        bool ours = name.Contains("clsact=delete", StringComparison.Ordinal);
        return new Undo(ipv6Disabled, ours);
    }

    /// <summary>Adds the clsact qdisc; false when the interface already had one (someone else's, or ours from before a
    /// restart).</summary>
    public static bool AddQdisc(RtNetlink netlink, int ifindex, string device)
    {
        Span<byte> request = stackalloc byte[128];
        int length = Begin(request, RTM_NEWQDISC, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, ifindex, ClsactHandle,
            ClsactParent, 0);
        length = RtNetlink.PutString(request, length, TCA_KIND, "clsact");
        try
        {
            netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_NEWQDISC clsact on {device}");
            return true;
        }
        catch (NativeIOException e) when (e.Errno == EEXIST)
        {
            return false;
        }
    }

    public static void DeleteQdisc(RtNetlink netlink, int ifindex, string device)
    {
        Span<byte> request = stackalloc byte[128];
        int length = Begin(request, RTM_DELQDISC, 0, ifindex, ClsactHandle, ClsactParent, 0);
        length = RtNetlink.PutString(request, length, TCA_KIND, "clsact");
        Tolerate(netlink, request, length, $"RTM_DELQDISC clsact on {device}");
    }

    /// <summary>Installs the drop filter on the ingress hook (the clsact qdisc must be there).</summary>
    public static void Add(RtNetlink netlink, int ifindex, string device, DropProgram program, Undo undo)
    {
        Span<byte> request = stackalloc byte[512];
        int length = Begin(request, RTM_NEWTFILTER, RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL, ifindex, Handle,
            IngressParent,
            ((uint)Preference << 16) | EthPAllNetworkOrder);
        length = RtNetlink.PutString(request, length, TCA_KIND, "bpf");
        int options = length;
        length = RtNetlink.BeginNested(request, length, TCA_OPTIONS);
        length = RtNetlink.PutInt32(request, length, TCA_BPF_FD, program.Fd);
        length = RtNetlink.PutString(request, length, TCA_BPF_NAME, FilterName(undo));
        length = RtNetlink.PutInt32(request, length, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        length = RtNetlink.EndNested(request, options, length);
        try
        {
            netlink.Exchange(request, length, stackalloc byte[1024], $"RTM_NEWTFILTER ingress bpf on {device}");
        }
        catch (NativeIOException e) when (e.Errno is EEXIST or EINVAL)
        {
            throw new IOException($"{device}: tc ingress filter pref {Preference} handle {Handle} is taken by " +
                $"another filter (tc filter show dev {device} ingress); vswitchd needs it to keep the host's " +
                $"stack off the port ({e.Message})");
        }
    }

    /// <summary>Removes the drop filter; an interface that is gone, or a filter that is, is no error.</summary>
    public static void Delete(RtNetlink netlink, int ifindex, string device)
    {
        Span<byte> request = stackalloc byte[128];
        int length = Begin(request, RTM_DELTFILTER, 0, ifindex, Handle, IngressParent,
            ((uint)Preference << 16) | EthPAllNetworkOrder);
        length = RtNetlink.PutString(request, length, TCA_KIND, "bpf");
        Tolerate(netlink, request, length, $"RTM_DELTFILTER ingress bpf on {device}");
    }

    /// <summary>The interface's filters on the clsact hooks: ours (its undo record, if found) and how many
    /// others.</summary>
    public static (Undo? Ours, int Others) Find(RtNetlink netlink, int ifindex, string device)
    {
        Undo? ours = null;
        int others = 0;
        Span<byte> request = stackalloc byte[64];
        foreach (uint parent in (ReadOnlySpan<uint>)[IngressParent, EgressParent])
        {
            int length = Begin(request, RTM_GETTFILTER, 0, ifindex, 0, parent, 0);
            try
            {
                netlink.Dump(request, length, $"RTM_GETTFILTER on {device}", (type, message) =>
                {
                    if (type != RTM_NEWTFILTER || message.Length < RtNetlink.HeaderLength + TcMsgLength) return;
                    var tc = message[RtNetlink.HeaderLength..];
                    // A dump lists each filter chain's head too (no handle): only real filters count.
                    if (BinaryPrimitives.ReadUInt32LittleEndian(tc[8..]) == 0) return;
                    var options = RtNetlink.Attribute(message, RtNetlink.HeaderLength + TcMsgLength, TCA_OPTIONS);
                    var name = options.IsEmpty ? [] : RtNetlink.Attribute(options, 0, TCA_BPF_NAME);
                    if (parent == IngressParent && !name.IsEmpty
                        && ParseName(IfReq.NameOf(name)) is { } undo) ours = undo;
                    else others++;
                });
            }
            catch (NativeIOException e) when (e.Errno is ENOENT or ENODEV or EINVAL)
            {
                // No clsact qdisc (EINVAL: no such parent), or no interface: nothing there.
            }
        }
        return (ours, others);
    }

    private static int Begin(Span<byte> request, ushort type, ushort flags, int ifindex, uint handle, uint parent,
        uint info)
    {
        int length = RtNetlink.Begin(request, type, (ushort)(RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK | flags),
            TcMsgLength);
        var tc = request[RtNetlink.HeaderLength..];
        // tcm_family (AF_UNSPEC) and padding stay zero.
        BinaryPrimitives.WriteInt32LittleEndian(tc[4..], ifindex);
        BinaryPrimitives.WriteUInt32LittleEndian(tc[8..], handle);
        BinaryPrimitives.WriteUInt32LittleEndian(tc[12..], parent);
        BinaryPrimitives.WriteUInt32LittleEndian(tc[16..], info);
        return length;
    }

    /// <summary>Sends an undoing request; what it would undo being gone already is no error.</summary>
    private static void Tolerate(RtNetlink netlink, Span<byte> request, int length, string what)
    {
        try
        {
            netlink.Exchange(request, length, stackalloc byte[1024], what);
        }
        catch (NativeIOException e) when (e.Errno is ENOENT or ENODEV or EINVAL)
        {
            // Already gone, with the interface or by hand: what undoing wanted.
        }
    }
}
