namespace VSwitch.Core.Ports;

/// <summary>A port that QEMU reaches through a Unix stream socket instead of a TAP.</summary>
public interface IStreamEndpoint
{
    /// <summary>Where the port listens; QEMU's -netdev stream connects there.</summary>
    string SocketPath { get; }
}
