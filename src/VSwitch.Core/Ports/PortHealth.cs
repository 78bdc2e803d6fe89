namespace VSwitch.Core.Ports;

/// <summary>What a port's health poll (<see cref="IPort.Poll"/>) found.</summary>
public enum PortHealth : byte
{
    /// <summary>Nothing was wrong.</summary>
    Ok,
    /// <summary>An error was pending (a raw socket's ENETDOWN) and is taken: the port goes on.</summary>
    Cleared,
    /// <summary>The interface behind the port is gone (a deleted TAP): the port can carry nothing any more.</summary>
    Gone,
}
