using System.Text.Json.Serialization;
using VSwitch.Core.Control;

namespace VSwitch.Core.Protocol;

/// <summary>
/// Source-generated JSON for the control socket. The protocol is one JSON object per line in each
/// direction: a <see cref="ControlRequest"/>, then a <see cref="ControlResponse"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(List<PortStats>))]
[JsonSerializable(typeof(List<ShowEntry>))]
[JsonSerializable(typeof(List<MacEntry>))]
[JsonSerializable(typeof(List<Dictionary<string, string>>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
