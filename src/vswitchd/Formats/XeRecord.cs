namespace VSwitch.Daemon.Formats;

/// <summary>One field of an xe object: its name, xe's access marker (RO, RW, MRW, SRO) and its value as text.</summary>
public sealed record XeField(string Name, string Access, string Value);

/// <summary>One xe object (a network, PIF or VIF) as the *-list commands print it; the first field is its
/// uuid.</summary>
public sealed record XeRecord(IReadOnlyList<XeField> Fields)
{
    public string? Get(string name) => Fields.FirstOrDefault(f => f.Name == name)?.Value;
}
