using System.Text.Json.Serialization;
using VSwitch.Core.Control;

namespace VSwitch.Daemon.Formats;

/// <summary>Source-generated JSON for the listings' --json answers (the text of a response's output).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<PortStats>))]
[JsonSerializable(typeof(List<ShowEntry>))]
[JsonSerializable(typeof(List<MacEntry>))]
[JsonSerializable(typeof(List<Dictionary<string, string>>))]
public sealed partial class FormatsJsonContext : JsonSerializerContext;
