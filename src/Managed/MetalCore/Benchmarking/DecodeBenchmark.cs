using MetalCore.Models;

namespace MetalCore.Benchmarking;

/// <summary>What one benchmark measures.</summary>
internal sealed record DecodeBenchmarkOptions
{
    /// <summary>Prompt tokens processed (in batches) before decoding.</summary>
    public int PromptTokens { get; init; } = 64;
    /// <summary>Tokens decoded one by one after the prompt.</summary>
    public int GeneratedTokens { get; init; } = 128;
    /// <summary>Tokens already in the KV cache before the prompt (decode "at depth").</summary>
    public int Depth { get; init; }
    /// <summary>Counted runs.</summary>
    public int Runs { get; init; } = 15;
    /// <summary>Runs before the counted ones, discarded.</summary>
    public int Warmups { get; init; } = 2;
    /// <summary>Options of the session each run uses (its KV cache type and batch size).</summary>
    public SessionOptions Session { get; init; } = new();
}

/// <summary>All runs of a benchmark and their statistics.</summary>
/// <param name="Runs">The counted runs, in order.</param>
/// <param name="Prompt">Statistics of prompt tokens per second.</param>
/// <param name="Decode">Statistics of decoded tokens per second.</param>
/// <param name="BytesReadPerToken">The bytes a decode step must read at least (weights and KV cache).</param>
internal sealed record DecodeBenchmarkResult(IReadOnlyList<DecodeRun> Runs, RunStatistics Prompt, RunStatistics Decode, double BytesReadPerToken)
{
    /// <summary>Summarizes counted runs.</summary>
    public static DecodeBenchmarkResult Of(IReadOnlyList<DecodeRun> runs, double bytesReadPerToken) => new(
        runs,
        RunStatistics.Of(runs.Select(r => r.PromptTokensPerSecond).ToArray()),
        RunStatistics.Of(runs.Select(r => r.DecodeTokensPerSecond).ToArray()),
        bytesReadPerToken);

    /// <summary>The median over runs of a per-token figure (0 when the backend does not report it).</summary>
    public double MedianOf(Func<DecodeRun, double> figure) => RunStatistics.Of(Runs.Select(figure).ToArray()).Median;
}

/// <summary>
/// Greedy decode speed of a model by the method of seed 000: warm-up runs, then counted runs
/// (see <see cref="DecodeRunner"/>), summarized by <see cref="RunStatistics"/>.
/// </summary>
internal static class DecodeBenchmark
{
    /// <summary>Runs the benchmark; <paramref name="progress"/> receives each run (warm-ups with a negative index).</summary>
    public static DecodeBenchmarkResult Run(LanguageModel model, DecodeBenchmarkOptions options, Action<int, DecodeRun>? progress = null)
    {
        using var runner = new DecodeRunner(model, options);
        var runs = new List<DecodeRun>();
        for (var r = -options.Warmups; r < options.Runs; r++)
        {
            var run = runner.RunOnce();
            if (r >= 0)
            {
                runs.Add(run);
            }
            progress?.Invoke(r, run);
        }
        return DecodeBenchmarkResult.Of(runs, BytesReadPerToken(model, options));
    }

    /// <summary>The bytes a decode step reads at the average context of a run's decode phase.</summary>
    public static double BytesReadPerToken(LanguageModel model, DecodeBenchmarkOptions options) =>
        BytesReadPerToken(model, options.Session, options.Depth + options.PromptTokens + options.GeneratedTokens / 2.0);

    /// <summary>
    /// Bytes a decode step must read at least: every weight matrix once (the embedding only
    /// one row, unless it is also the output projection), the norms, and the keys and values
    /// of <paramref name="contextTokens"/> positions in every layer.
    /// </summary>
    public static double BytesReadPerToken(LanguageModel model, SessionOptions session, double contextTokens)
    {
        var c = model.Config;
        var kvElementBytes = ModelFiles.GgmlTypeTraits.BlockBytes(session.KvCacheType);
        var kv = contextTokens * c.Layers * 2.0 * c.KeyValueWidth * kvElementBytes;
        return model.DecodeWeightBytes + kv;
    }
}
