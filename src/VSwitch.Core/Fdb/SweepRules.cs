using VSwitch.Core.Control;

namespace VSwitch.Core.Fdb;

// Which entries a sweep of the table clears. Structs, not lambdas (AgeingRule is a ref struct over the
// caller's span): the once-a-second ageing pass then allocates nothing, so an idle daemon's memory stays flat.

internal interface ISweepRule
{
    bool Remove(ulong key, ulong value);
}

internal readonly struct FlushRule(ushort? domain, ushort? port, bool includeStatic) : ISweepRule
{
    public bool Remove(ulong key, ulong value) =>
        (domain is null || FdbSlot.Domain(key) == domain) &&
        (port is null || FdbSlot.Port(value) == port) &&
        (includeStatic || !FdbSlot.IsStatic(value));
}

internal readonly ref struct AgeingRule(long nowMs, ReadOnlySpan<long> ageingMsByDomain) : ISweepRule
{
    private readonly ReadOnlySpan<long> _ageing = ageingMsByDomain;

    public bool Remove(ulong key, ulong value)
    {
        if (FdbSlot.IsStatic(value)) return false;
        int domain = FdbSlot.Domain(key);
        long limit = domain < _ageing.Length ? _ageing[domain] : 0;
        return limit > 0 && nowMs - FdbSlot.LastSeen(value) > limit;
    }
}
