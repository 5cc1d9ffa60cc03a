using System.Text.Json;
using MetalCore.Runtime;

namespace MetalCore.Tuning;

/// <summary>One backend's speed in a calibration.</summary>
internal sealed record BackendMeasurement(ComputeBackend Backend, string Device, double DecodeTokensPerSecond);

/// <summary>A stored calibration: the measurements for one model shape on one set of devices.</summary>
internal sealed record CalibrationRecord
{
    public required string Key { get; init; }
    public required List<BackendMeasurement> Measurements { get; init; }
    public DateTime MeasuredUtc { get; init; }
}

/// <summary>The calibration cache's file format.</summary>
internal sealed record CalibrationCacheFile
{
    public int Version { get; init; } = 1;
    public List<CalibrationRecord> Entries { get; init; } = [];
}

/// <summary>
/// Calibrations kept on disk (calibration.json in <see cref="LocalData.Directory"/>), keyed by
/// model shape and devices, so <c>--backend auto</c> measures once per model shape and machine.
/// An unreadable cache is treated as empty (it is only a cache) and rewritten.
/// </summary>
internal sealed class CalibrationCache(string path)
{
    /// <summary>The default cache file.</summary>
    public static string DefaultPath => Path.Combine(LocalData.Directory, "calibration.json");

    /// <summary>The file.</summary>
    public string FilePath => path;

    /// <summary>The stored measurements for <paramref name="key"/>, or null.</summary>
    public IReadOnlyList<BackendMeasurement>? TryGet(string key) => Read().Entries.FirstOrDefault(e => e.Key == key)?.Measurements;

    /// <summary>Stores (or replaces) the measurements for <paramref name="key"/>.</summary>
    public void Put(string key, IReadOnlyList<BackendMeasurement> measurements)
    {
        var file = Read();
        file.Entries.RemoveAll(e => e.Key == key);
        file.Entries.Add(new CalibrationRecord { Key = key, Measurements = [.. measurements], MeasuredUtc = DateTime.UtcNow });
        LocalData.WriteAtomically(path, JsonSerializer.Serialize(file, TuningJson.Default.CalibrationCacheFile));
    }

    private CalibrationCacheFile Read()
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllText(path), TuningJson.Default.CalibrationCacheFile) ?? new()
                : new();
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return new();
        }
    }
}
