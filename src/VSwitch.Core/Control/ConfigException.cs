namespace VSwitch.Core.Control;

/// <summary>A request or configuration that is refused; the message names what is wrong. Nothing was changed.</summary>
public sealed class ConfigException(string message) : Exception(message);
