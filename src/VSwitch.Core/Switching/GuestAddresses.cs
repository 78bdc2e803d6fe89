using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// The IPv4 address each local MAC last claimed in an ARP packet of its own, per bridge: what a bond
/// failover needs to announce a guest with a gratuitous ARP rather than a RARP. Workers read before they
/// write, and write only when a binding is new or changed, so in steady state an ARP costs one lock-free
/// lookup and other frames nothing.
/// </summary>
public sealed class GuestAddresses(int maxBindings = GuestAddresses.DefaultMaxBindings)
{
    /// <summary>As many as the FDB learns by default: a guest spraying ARP from random MACs cannot grow it
    /// further.</summary>
    public const int DefaultMaxBindings = 262_144;

    private const int ArpLength = 28;
    private readonly ConcurrentDictionary<(ushort Domain, MacAddress Mac), uint> _bindings = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Looks at an untagged ARP packet (the bytes after the EtherType) sent by <paramref name="source"/>. Only
    /// an Ethernet/IPv4 ARP whose sender hardware address is the frame's source counts (a proxy's does not).
    /// </summary>
    public void Observe(ushort domain, MacAddress source, ReadOnlySpan<byte> arp)
    {
        if (arp.Length < ArpLength) return;
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherType.IPv4)
            return;
        if (MacAddress.Read(arp[8..]) != source) return;
        uint address = BinaryPrimitives.ReadUInt32BigEndian(arp[14..]);
        if (address == 0) return; // an ARP probe (RFC 5227) claims nothing yet
        var key = (domain, source);
        if (_bindings.TryGetValue(key, out uint known))
        {
            if (known != address) _bindings[key] = address;
            return;
        }
        if (Interlocked.Increment(ref _count) > maxBindings || !_bindings.TryAdd(key, address))
            Interlocked.Decrement(ref _count);
    }

    public IPAddress? Find(ushort domain, MacAddress mac) =>
        _bindings.TryGetValue((domain, mac), out uint address)
            ? new IPAddress(BinaryPrimitives.ReverseEndianness(address)) : null;

    /// <summary>Forgets a bridge's bindings (delbr).</summary>
    public void Forget(ushort domain)
    {
        foreach (var key in _bindings.Keys)
            if (key.Domain == domain && _bindings.TryRemove(key, out _)) Interlocked.Decrement(ref _count);
    }
}
