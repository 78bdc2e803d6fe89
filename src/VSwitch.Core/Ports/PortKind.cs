namespace VSwitch.Core.Ports;

/// <summary>How a port reaches its frames.</summary>
public enum PortKind
{
    /// <summary>The switch creates a TAP and owns its file descriptor; the kernel side is the endpoint.</summary>
    Tap,
    /// <summary>An AF_PACKET socket on an existing interface (a NIC, a veth, a TAP that QEMU opened).</summary>
    Raw,
    /// <summary>
    /// A guest's VIF: a persistent TAP the switch creates for QEMU to open, attached as a raw port. The TAP
    /// outlives the daemon, so a guest keeps running through a restart.
    /// </summary>
    Vif,
    /// <summary>
    /// A Unix stream socket vswitchd listens on; QEMU connects with -netdev stream and frames travel behind
    /// their 4-byte big-endian length. Needs no TAP and no privileges on QEMU's side.
    /// </summary>
    Stream,
}
