using System.Text;
using VSwitch.Core.Protocol;

namespace VSwitch.Ctl;

/// <summary>vswitchctl --help and vswitchctl CMD --help.</summary>
public static class HelpText
{
    public static string Overview()
    {
        var text = new StringBuilder("usage: vswitchctl [--socket PATH] COMMAND [ARGS] [--OPTIONS]\n\n");
        text.Append("Talks to vswitchd over its control socket (default /run/vswitch/vswitchd.sock, or " +
            "$VSWITCH_SOCKET).\n\ncommands:\n");
        foreach (var c in CommandCatalog.All)
            text.Append($"  {c.Usage,-36} {c.Summary}\n  {"",-36} e.g. {c.Example}\n");
        text.Append("\nvswitchctl COMMAND --help shows one command.\n");
        return text.ToString();
    }

    public static string For(string command)
    {
        var c = CommandCatalog.Find(command)!;
        return $"usage: vswitchctl {c.Usage}\n\n{c.Summary}\n\nexample:\n  {c.Example}\n";
    }
}
