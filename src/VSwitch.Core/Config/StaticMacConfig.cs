using VSwitch.Core.Control;

namespace VSwitch.Core.Config;

/// <summary>A static FDB entry (`fdb add`): a MAC and the name of its port.</summary>
public sealed class StaticMacConfig
{
    public string Mac { get; set; } = "";
    public string Port { get; set; } = "";
}
