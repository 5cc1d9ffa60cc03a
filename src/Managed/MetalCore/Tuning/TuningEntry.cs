using System.Text.Json.Serialization;

namespace MetalCore.Tuning;

/// <summary>
/// One row of a tuning table: the tunables (mc_context_set_tunable names and values) for one
/// backend on one device, for one model shape (<see cref="ModelShape.Key"/>) or for every
/// shape (<see cref="ModelShape.Any"/>).
/// </summary>
public sealed record TuningEntry
{
    /// <summary>"cpu", "metal" or "cuda".</summary>
    public required string Backend { get; init; }

    /// <summary>The device name exactly as the backend reports it.</summary>
    public required string Device { get; init; }

    /// <summary>A model shape key, or "*" for every model on this device.</summary>
    public required string Shape { get; init; }

    /// <summary>Tunable name → value.</summary>
    public required Dictionary<string, int> Tunables { get; init; }

    /// <summary>How the values were chosen (the autotune measurement behind them).</summary>
    public string? Evidence { get; init; }

    /// <summary>The file this entry was read from (not stored).</summary>
    [JsonIgnore]
    public string Origin { get; init; } = "";
}

/// <summary>The file format of a tuning table.</summary>
internal sealed record TuningTableFile
{
    /// <summary>The format version; 1.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The rows.</summary>
    public List<TuningEntry> Entries { get; init; } = [];
}
