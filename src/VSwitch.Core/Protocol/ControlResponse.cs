namespace VSwitch.Core.Protocol;

/// <summary>The daemon's answer: output to print, or an error message; exactly one of them is set.</summary>
public sealed class ControlResponse
{
    public bool Ok { get; set; }
    public string? Output { get; set; }
    public string? Error { get; set; }

    public static ControlResponse Success(string output) => new() { Ok = true, Output = output };
    public static ControlResponse Failure(string error) => new() { Ok = false, Error = error };
}
