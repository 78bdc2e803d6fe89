using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;

namespace VSwitch.Core.Switching;

/// <summary>
/// Which frames arriving on a bond member are taken, so that none comes in twice: the upstream switch
/// floods to every link of the bond. A plain NIC takes everything (<see cref="Everything"/>). Immutable:
/// a failover publishes a new one.
/// </summary>
/// <param name="Receives">False for an active-backup standby member: everything it receives is dropped.</param>
/// <param name="TakesFloods">False on balance-slb members other than the designated one, so an upstream flood arrives
/// once.</param>
/// <param name="RejectsReflections">balance-slb: a frame from a MAC learned on a local port is our own, sent back by
/// the upstream switch.</param>
public sealed record BondAdmission(bool Receives, bool TakesFloods, bool RejectsReflections)
{
    public static readonly BondAdmission Everything = new(true, true, false);

    /// <summary>
    /// Why a frame arriving on a member that <see cref="Receives"/>, for bridge domain <paramref name="domain"/>
    /// (whose uplink port is <paramref name="uplink"/>), is dropped, or null when it is taken.
    /// </summary>
    public DropReason? Refuses(ReadOnlySpan<byte> frame, ForwardingDatabase fdb, ushort domain, ushort uplink)
    {
        if (!TakesFloods && MacAddress.Read(frame).IsMulticast) return DropReason.BondStandby;
        if (RejectsReflections)
        {
            ushort owner = fdb.Lookup(domain, MacAddress.Read(frame[MacAddress.Length..]));
            if (owner != 0 && owner != uplink) return DropReason.BondReflection;
        }
        return null;
    }
}
