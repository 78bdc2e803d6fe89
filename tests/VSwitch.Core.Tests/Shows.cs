using VSwitch.Core.Control;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

/// <summary>The daemon's listings of a controller, as vswitchctl prints them.</summary>
internal static class Shows
{
    public static string BondShow(this SwitchController controller, string? name) => BondFormat.Show(controller, name);
}
