namespace VSwitch.Fuzz;

/// <summary>
/// One piece of VSwitch that takes bytes from outside, fed whatever AFL++ makes up. A target throws only on
/// a bug: the input errors it is meant to refuse (a malformed request, a bad config) it catches itself, so
/// any exception that leaves <see cref="Run"/> is a crash worth a look.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name fuzz/run.sh and the corpus directory use.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}
