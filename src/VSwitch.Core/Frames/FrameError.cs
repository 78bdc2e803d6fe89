namespace VSwitch.Core.Frames;

/// <summary>Why a frame could not be parsed for switching.</summary>
public enum FrameError : byte
{
    None = 0,
    /// <summary>Shorter than an Ethernet header (or cut inside a VLAN tag).</summary>
    TooShort,
    /// <summary>Source address is multicast, broadcast or all zeros: never a real sender.</summary>
    InvalidSource,
}
