using System.Text.Json.Serialization;

namespace MetalCore.Tuning;

/// <summary>Source-generated JSON (trimming- and AOT-safe) for the tuning and calibration files.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    UseStringEnumConverter = true, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(TuningTableFile))]
[JsonSerializable(typeof(CalibrationCacheFile))]
internal sealed partial class TuningJson : JsonSerializerContext;
