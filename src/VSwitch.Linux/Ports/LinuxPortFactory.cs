using Microsoft.Extensions.Logging;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Linux.Interfaces;

namespace VSwitch.Linux.Ports;

/// <summary>Opens real TAP and AF_PACKET ports, and configures interfaces, in the daemon's network namespace.</summary>
/// <param name="streamDirectory">Where stream ports put their sockets (beside the control socket).</param>
/// <param name="rawReceiveRing">Raw ports receive through a TPACKET_V2 ring (false: recvmmsg).</param>
public sealed class LinuxPortFactory(string streamDirectory, ILogger log, bool rawReceiveRing = true) : IPortFactory
{
    public IPortDevice CreateStream(string name, MacAddress guestMac, string? owner) =>
        StreamPort.Create(name, Path.Combine(streamDirectory, $"{name}.sock"), guestMac, owner is null ? null : PersistentTap.ResolveUser(owner), log);

    public IPortDevice CreateTap(string name, MacAddress mac) => TapPort.Create(name, mac);
    public IPortDevice OpenRaw(string device)
    {
        var port = RawPort.Open(device, rawReceiveRing);
        if (port.RingRefused is { } refused)
            log.LogWarning("{Device}: receive ring refused ({Reason}); the port receives with recvmmsg", device, refused);
        return port;
    }
    public bool InterfaceExists(string name) => NetInterface.Exists(name);
    public bool LinkRunning(string name) => NetInterface.IsRunning(name);
    public bool HasIpv4Address(string name) => NetInterface.HasIpv4(name);
    public void CreatePersistentTap(string name, string? owner) => PersistentTap.Create(name, owner);
    public void DeleteInterface(string name) => NetlinkLink.Delete(name);
    public void SetAddress(string name, ManagementAddress? address) => NetInterface.SetIpv4(name, address);
}
