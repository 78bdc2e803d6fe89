using VSwitch.Fuzz.Targets;

namespace VSwitch.Fuzz;

/// <summary>Every fuzz target by its name, each made fresh when asked for.</summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Func<IFuzzTarget>> All { get; } =
        new Dictionary<string, Func<IFuzzTarget>>
    {
        ["pipeline"] = () => new PipelineTarget(),
        ["config"] = () => new ConfigTarget(),
        ["protocol"] = () => new ProtocolTarget(),
        ["stream"] = () => new StreamTarget(),
        ["netlink"] = () => new NetlinkTarget(),
    };
}
