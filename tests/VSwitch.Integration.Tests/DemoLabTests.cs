namespace VSwitch.Integration.Tests;

/// <summary>
/// The lab `./run.sh` starts (tools/demo-lab.sh), run once with its checks, under a prefix of the test's own.
/// Its checks fail on a lost reply or a duplicate (DUP!), which the host's stack answering straight off the
/// uplink caused before ports were isolated from it.
/// </summary>
public class DemoLabTests
{
    [Fact]
    public void TheDemoLab_PassesEveryCheck_AndLeavesNothingBehind()
    {
        Assert.True(Environment.IsPrivilegedProcess,
            "the demo lab needs root (namespaces, TAPs and veths); run the tests as root (CI does)");
        string prefix = "vsd"
            + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..5];
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VSwitch.sln"))) root = Path.GetDirectoryName(root)!;
        try
        {
            var result = Shell.Sh($"cd {root} && VSDEMO_PREFIX={prefix} tools/demo-lab.sh --once",
                TimeSpan.FromSeconds(120));
            Assert.True(result.Ok, result.ToString());
            Assert.Contains("lab: all checks passed", result.Output);
            Assert.Equal(5, result.Output.Split('\n').Count(line => line.StartsWith("  ok ",
                StringComparison.Ordinal)));
            Assert.DoesNotContain(prefix, Shell.Sh("ip netns list").Output);
        }
        finally
        {
            Shell.Sh($"for ns in $(ip netns list | grep -o '^{prefix}-[a-z0-9]*'); do ip netns pids $ns | xargs -r " +
                $"kill -9; ip netns del $ns; done");
        }
    }
}
