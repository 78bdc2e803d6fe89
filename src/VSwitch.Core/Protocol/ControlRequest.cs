namespace VSwitch.Core.Protocol;

/// <summary>One command sent by vswitchctl: the command name, its positional arguments and its --options.</summary>
public sealed class ControlRequest
{
    public string Command { get; set; } = "";
    public List<string> Args { get; set; } = [];
    /// <summary>--name value pairs; a flag without a value maps to "true".</summary>
    public Dictionary<string, string> Options { get; set; } = [];
}
