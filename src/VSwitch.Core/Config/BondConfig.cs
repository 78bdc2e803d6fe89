namespace VSwitch.Core.Config;

/// <summary>A bond made with addbond: its members and settings.</summary>
public sealed class BondConfig
{
    public string Name { get; set; } = "";
    public string? Uuid { get; set; }
    public List<string> Members { get; set; } = [];
    /// <summary>The members' own PIF UUIDs, by member name.</summary>
    public Dictionary<string, string> MemberUuids { get; set; } = [];
    /// <summary>active-backup or balance-slb.</summary>
    public string Mode { get; set; } = "active-backup";
    /// <summary>The MAC given to addbond; absent means the first member's.</summary>
    public string? Mac { get; set; }
    public string? Primary { get; set; }
    public int UpdelayMs { get; set; }
    public int DowndelayMs { get; set; }
}
