namespace VSwitch.Core.Ports;

/// <summary>Where an interface is: a namespace (our id for it; null for the daemon's own) and its index
/// there.</summary>
public readonly record struct InterfacePlace(int? Namespace, int Index);
