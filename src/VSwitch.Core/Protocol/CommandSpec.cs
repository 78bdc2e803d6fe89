namespace VSwitch.Core.Protocol;

/// <summary>
/// One vswitchctl command: its arguments, its options (name → takes a value), a one-line summary and an
/// example. Both vswitchctl (help, parsing) and vswitchd (dispatch) read the same table.
/// </summary>
public sealed record CommandSpec(
    string Name,
    string Usage,
    string Summary,
    string Example,
    int MinArgs,
    int MaxArgs,
    IReadOnlyDictionary<string, bool> Options);
