using System.Text.Json;
using System.Text.Json.Serialization;
using MetalCore.Tuning;

namespace MetalCore.Benchmarking;

/// <summary>
/// Everything <c>metalcore bench --json</c> writes; the schema is docs/bench-report.schema.json
/// (a test checks that they agree). Times are per decoded token; speeds are tokens per second.
/// </summary>
internal sealed record BenchReport
{
    /// <summary>The version of this format: bumped when a field changes meaning or disappears.</summary>
    public int SchemaVersion { get; init; } = 1;
    /// <summary>When the benchmark started.</summary>
    public required DateTime StartedUtc { get; init; }
    /// <summary>What each run does.</summary>
    public required BenchSettings Settings { get; init; }
    /// <summary>Read bandwidth the command measured on the device (bytes/s), or null when not measured.</summary>
    public double? MeasuredBandwidthBytesPerSecond { get; init; }
    /// <summary>The configurations measured: one, or two for --vs and --load (the baseline first).</summary>
    public required List<BenchConfiguration> Configurations { get; init; }
    /// <summary>The pair-by-pair comparison of the two configurations, or null.</summary>
    public BenchComparison? Comparison { get; init; }
    /// <summary>How --backend auto chose, or null when the backend was named.</summary>
    public BackendChoice? BackendChoice { get; init; }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, BenchJson.Default.BenchReport);
}

/// <summary>The shape of every run.</summary>
internal sealed record BenchSettings(int PromptTokens, int GeneratedTokens, int Depth, int Runs, int Warmups, int LoadProcesses);

/// <summary>One measured configuration.</summary>
internal sealed record BenchConfiguration
{
    /// <summary>"A", "B", "no load" or "load K".</summary>
    public required string Label { get; init; }
    /// <summary>The model file, or "synthetic SHAPE TYPE".</summary>
    public required string Model { get; init; }
    /// <summary>The model's shape key (<see cref="ModelShape.Key"/>).</summary>
    public required string ShapeKey { get; init; }
    /// <summary>"cpu", "metal" or "cuda".</summary>
    public required string Backend { get; init; }
    /// <summary>The device name the backend reports.</summary>
    public required string Device { get; init; }
    /// <summary>The command-line settings of this configuration.</summary>
    public required string Arguments { get; init; }
    /// <summary>Tunables set on the device (tuning table and --tunable).</summary>
    public required IReadOnlyDictionary<string, int> Tunables { get; init; }
    /// <summary>Every counted run, in order.</summary>
    public required IReadOnlyList<DecodeRun> Runs { get; init; }
    /// <summary>Prompt speed statistics.</summary>
    public required RunStatistics Prompt { get; init; }
    /// <summary>Decode speed statistics.</summary>
    public required RunStatistics Decode { get; init; }
    /// <summary>Per decoded token, medians over runs.</summary>
    public required PerTokenFigures PerToken { get; init; }

    /// <summary>Builds the record from a model and its runs.</summary>
    public static BenchConfiguration From(string label, LanguageModel model, string arguments, DecodeBenchmarkResult result, double? measuredBandwidth)
    {
        var implied = result.BytesReadPerToken * result.Decode.Median;
        static double? Reported(double value) => value > 0 ? value : null;
        return new BenchConfiguration
        {
            Label = label,
            Model = model.Source,
            ShapeKey = model.ShapeKey,
            Backend = TuningTable.BackendName(model.Backend),
            Device = model.DeviceName,
            Arguments = arguments,
            Tunables = model.AppliedTunables,
            Runs = result.Runs,
            Prompt = result.Prompt,
            Decode = result.Decode,
            PerToken = new PerTokenFigures(
                result.MedianOf(r => r.DispatchesPerToken),
                result.BytesReadPerToken,
                Reported(result.MedianOf(r => r.DeviceMicrosecondsPerToken)),
                Reported(result.MedianOf(r => r.EncodeMicrosecondsPerToken)),
                implied,
                measuredBandwidth is > 0 ? implied / measuredBandwidth : null),
        };
    }
}

/// <summary>Per-token figures of a configuration (medians over its runs).</summary>
/// <param name="Dispatches">Kernel launches per token.</param>
/// <param name="BytesRead">Bytes a decode step must read (weights and KV cache at the mean context).</param>
/// <param name="DeviceMicroseconds">Device time per token as the backend measured it, or null.</param>
/// <param name="EncodeMicroseconds">Host encode/launch time per token as the backend measured it, or null.</param>
/// <param name="BandwidthBytesPerSecond">BytesRead × the median decode speed.</param>
/// <param name="BandwidthFraction">That bandwidth over the measured device bandwidth, or null.</param>
internal sealed record PerTokenFigures(double Dispatches, double BytesRead, double? DeviceMicroseconds, double? EncodeMicroseconds,
    double BandwidthBytesPerSecond, double? BandwidthFraction);

/// <summary>The ratio of the second configuration to the first, run pair by run pair.</summary>
/// <param name="Kind">"vs" (two settings) or "load" (without and with load processes).</param>
/// <param name="Baseline">Label of the first configuration (A).</param>
/// <param name="Other">Label of the second (B).</param>
/// <param name="DecodeRatio">Statistics of B/A decode speed over the pairs.</param>
/// <param name="PromptRatio">Statistics of B/A prompt speed over the pairs.</param>
/// <param name="DecodeRatios">Each pair's B/A decode ratio.</param>
/// <param name="PromptRatios">Each pair's B/A prompt ratio.</param>
internal sealed record BenchComparison(string Kind, string Baseline, string Other, RunStatistics DecodeRatio, RunStatistics PromptRatio,
    IReadOnlyList<double> DecodeRatios, IReadOnlyList<double> PromptRatios)
{
    /// <summary>Builds the comparison from paired runs.</summary>
    public static BenchComparison From(string kind, string baseline, string other, PairedResult paired) =>
        new(kind, baseline, other, paired.DecodeRatio, paired.PromptRatio, paired.DecodeRatios, paired.PromptRatios);
}

/// <summary>Source-generated JSON (AOT-safe) for bench reports, snake_case.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
