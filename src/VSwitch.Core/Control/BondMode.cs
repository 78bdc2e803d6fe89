namespace VSwitch.Core.Control;

/// <summary>How a bond spreads traffic over its links (the names are Open vSwitch's).</summary>
public enum BondMode
{
    /// <summary>One link carries everything; the others stand by and take over when it fails.</summary>
    ActiveBackup,
    /// <summary>Each guest's source MAC is hashed to one of the links that are up; needs nothing from the upstream
    /// switch (no LACP).</summary>
    BalanceSlb,
}

public static class BondModeNames
{
    public static string Of(BondMode mode) => mode == BondMode.ActiveBackup ? "active-backup" : "balance-slb";

    public static BondMode Parse(string text) => text switch
    {
        "active-backup" => BondMode.ActiveBackup,
        "balance-slb" => BondMode.BalanceSlb,
        _ => throw new ConfigException($"bond mode '{text}' is not one of active-backup, balance-slb"),
    };
}
