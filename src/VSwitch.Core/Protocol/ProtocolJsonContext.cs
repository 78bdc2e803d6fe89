using System.Text.Json.Serialization;

namespace VSwitch.Core.Protocol;

/// <summary>
/// Source-generated JSON for the control socket. The protocol is one JSON object per line in each
/// direction: a <see cref="ControlRequest"/>, then a <see cref="ControlResponse"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
