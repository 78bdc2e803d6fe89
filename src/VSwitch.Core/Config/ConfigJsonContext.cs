using System.Text.Json.Serialization;

namespace VSwitch.Core.Config;

/// <summary>Source-generated JSON for the config file. Unknown fields are errors, so a typo is reported, not
/// ignored.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(SwitchConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
