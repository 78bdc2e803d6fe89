using Microsoft.Extensions.Logging;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Core.Ports;
using VSwitch.Linux.Datapath;
using VSwitch.Linux.HostBoundary;
using VSwitch.Linux.Interfaces;

namespace VSwitch.Linux.Ports;

/// <summary>Opens real TAP and AF_PACKET ports, and configures interfaces, in the daemon's network namespace.</summary>
/// <param name="streamDirectory">Where stream ports put their sockets (beside the control socket).</param>
/// <param name="rawReceiveRing">Raw ports receive through a TPACKET_V2 ring (false: recvmmsg).</param>
/// <param name="isolation">Takes raw ports' interfaces from the host's stack; null leaves them to it.</param>
/// <param name="tuning">The datapath's policy, which ports transmit and queue by.</param>
public sealed class LinuxPortFactory(string streamDirectory, ILogger log, DatapathTuning tuning,
    bool rawReceiveRing = true, PortIsolation? isolation = null)
    : IPortFactory
{
    /// <summary>
    /// The interface group this daemon's TAPs join, so that a stop removes each namespace's at once
    /// (<see cref="CloseAll"/>). One per process: another vswitchd's TAPs in a shared namespace are not ours.
    /// </summary>
    private readonly int _tapGroup = Random.Shared.Next(0x10000, int.MaxValue);

    public IPort CreateStream(string name, MacAddress guestMac, string? owner, int mtu) =>
        StreamPort.Create(name, Path.Combine(streamDirectory, $"{name}.sock"), guestMac, owner is null ? null
            : PersistentTap.ResolveUser(owner), log, mtu);

    public IPort CreateTap(string name, MacAddress mac) => TapPort.Create(name, mac, _tapGroup, tuning);
    public IPort OpenRaw(string device)
    {
        var port = RawPort.Open(device, tuning, rawReceiveRing, isolation);
        if (port.RingRefused is { } refused)
            log.LogWarning("{Device}: receive ring refused ({Reason}); the port receives with recvmmsg", device,
                refused);
        return port;
    }
    public bool InterfaceExists(string name) => NetInterface.Exists(name);
    public int InterfaceIndex(string name) => NetInterface.Index(name);
    public bool LinkRunning(string name) => NetInterface.IsRunning(name);
    public bool HasIpv4Address(string name) => NetInterface.HasIpv4(name);
    public void CreatePersistentTap(string name, string? owner) => PersistentTap.Create(name, owner);
    public void DeleteInterface(string name) => NetlinkLink.Delete(name);
    public void SetAddress(string name, ManagementAddress? address) => NetInterface.SetIpv4(name, address);

    /// <summary>
    /// The switch's TAPs go first, a namespace at a time by their group (one removal each, where a close per
    /// TAP costs the kernel a grace period); then every port is closed, from several threads at once, so
    /// whatever removals remain overlap their grace periods.
    /// </summary>
    public void CloseAll(IReadOnlyList<IPort> devices)
    {
        var namespaces = new HashSet<int?> { null };
        foreach (var device in devices)
            if (device is TapPort tap && tap.Location() is { } location) namespaces.Add(location.Namespace);
        RunSpread(namespaces.ToList(), ns =>
        {
            try { NetlinkLink.DeleteGroup(_tapGroup, ns); }
            catch (IOException e) { log.LogWarning("removing this daemon's TAPs (group {Group}) failed: {Reason}",
                _tapGroup, e.Message); }
        });
        RunSpread(devices, device => device.Dispose());
    }

    /// <summary>Runs <paramref name="work"/> on every item from up to 64 threads of its own (not the pool's, which
    /// grows slowly).</summary>
    private static void RunSpread<T>(IReadOnlyList<T> items, Action<T> work)
    {
        int next = -1;
        var threads = new Thread[Math.Min(items.Count, 64)];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = Interlocked.Increment(ref next); i < items.Count; i = Interlocked.Increment(ref next))
                    work(items[i]);
            }) { IsBackground = true, Name = "vswitch-close" };
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
    }
}
