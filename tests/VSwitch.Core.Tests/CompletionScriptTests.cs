using System.Text.RegularExpressions;
using VSwitch.Core.Protocol;

namespace VSwitch.Core.Tests;

/// <summary>The bash completion script in tools/ offers exactly the commands vswitchctl knows.</summary>
public class CompletionScriptTests
{
    [Fact]
    public void CompletionScript_ListsEveryCommand_AndNoOthers()
    {
        string script = File.ReadAllText(Path.Combine(Repository.Root, "tools", "vswitchctl-completion.bash"));
        var match = Regex.Match(script, "_vswitchctl_commands=\"([^\"]*)\"");
        Assert.True(match.Success, "the script must define _vswitchctl_commands");
        Assert.Equal(CommandCatalog.All.Select(c => c.Name).Order(), match.Groups[1].Value.Split(' ').Order());
    }

    [Fact]
    public void EveryCommand_HasAUsageASummaryAndARunnableLookingExample()
    {
        foreach (var command in CommandCatalog.All)
        {
            Assert.StartsWith(command.Name, command.Usage);
            Assert.False(string.IsNullOrWhiteSpace(command.Summary));
            Assert.StartsWith($"vswitchctl {command.Name}", command.Example);
        }
    }
}
