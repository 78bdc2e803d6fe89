using VSwitch.Core.Ports;

namespace VSwitch.Core.Control;

/// <summary>
/// One rtnetlink link message (RTM_NEWLINK or RTM_DELLINK), as the control plane follows interfaces: ports
/// bind to interfaces that appear, go absent when theirs vanish or are renamed, flush their MACs when their
/// link goes down, and take their MTU. Messages come from the daemon's own namespace and from the
/// namespaces tap ports were moved to.
/// </summary>
/// <param name="Deleted">RTM_DELLINK: the interface left its namespace (deleted, or moved away).</param>
/// <param name="Index">The interface's index in its namespace; it stays when the interface is renamed.</param>
/// <param name="Up">IFF_UP: administratively up.</param>
/// <param name="Carrier">IFF_LOWER_UP: the driver reports carrier.</param>
/// <param name="Namespace">Our id (nsid) for the interface's namespace; null for the daemon's own.</param>
/// <param name="MovedTo">For an RTM_DELLINK that is a move: the id of the namespace it went to (relative to
/// the one it left) and its index there.</param>
public readonly record struct InterfaceEvent(bool Deleted, string Name, int Index, bool Up, bool Carrier, int Mtu,
    int? Namespace = null, InterfacePlace? MovedTo = null)
{
    /// <summary>Up with carrier: it can carry frames.</summary>
    public bool Running => !Deleted && Up && Carrier;

    /// <summary>Where the interface is: its namespace and index.</summary>
    public InterfacePlace Place => new(Namespace, Index);
}
