using Microsoft.Extensions.Logging;
using VSwitch.Core.Control;
using VSwitch.Core.Frames;
using VSwitch.Linux.Interfaces;

namespace VSwitch.Linux.Ports;

/// <summary>Opens real TAP and AF_PACKET ports, and configures interfaces, in the daemon's network namespace.</summary>
/// <param name="streamDirectory">Where stream ports put their sockets (beside the control socket).</param>
public sealed class LinuxPortFactory(string streamDirectory, ILogger log) : IPortFactory
{
    public IPortDevice CreateStream(string name, MacAddress guestMac, string? owner) =>
        StreamPort.Create(name, Path.Combine(streamDirectory, $"{name}.sock"), guestMac, owner is null ? null : PersistentTap.ResolveUser(owner), log);

    public IPortDevice CreateTap(string name, MacAddress mac) => TapPort.Create(name, mac);
    public IPortDevice OpenRaw(string device) => RawPort.Open(device);
    public bool InterfaceExists(string name) => NetInterface.Exists(name);
    public bool LinkRunning(string name) => NetInterface.IsRunning(name);
    public bool HasIpv4Address(string name) => NetInterface.HasIpv4(name);
    public void CreatePersistentTap(string name, string? owner) => PersistentTap.Create(name, owner);
    public void DeleteInterface(string name) => NetlinkLink.Delete(name);
    public void SetAddress(string name, ManagementAddress? address) => NetInterface.SetIpv4(name, address);
}
