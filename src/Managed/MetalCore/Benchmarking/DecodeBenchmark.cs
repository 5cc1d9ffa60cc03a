using System.Diagnostics;
using MetalCore.Models;

namespace MetalCore.Benchmarking;

/// <summary>What one benchmark measures.</summary>
public sealed record DecodeBenchmarkOptions
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

/// <summary>The timings of one run.</summary>
public sealed record DecodeRun(double PromptTokensPerSecond, double DecodeTokensPerSecond);

/// <summary>All runs of a benchmark and their statistics.</summary>
public sealed record DecodeBenchmarkResult(IReadOnlyList<DecodeRun> Runs, RunStatistics Prompt, RunStatistics Decode, double BytesReadPerToken);

/// <summary>
/// Greedy decode speed of a model: each run fills the context to the requested depth, processes
/// a prompt in batches, then decodes token by token, timing both phases apart. Token ids are
/// arbitrary (the speed does not depend on them).
/// </summary>
public static class DecodeBenchmark
{
    /// <summary>Runs the benchmark; <paramref name="progress"/> receives each counted run.</summary>
    public static DecodeBenchmarkResult Run(LanguageModel model, DecodeBenchmarkOptions options, Action<int, DecodeRun>? progress = null)
    {
        var needed = options.Depth + options.PromptTokens + options.GeneratedTokens;
        var session = options.Session with { ContextLength = Math.Max(options.Session.ContextLength, needed) };
        using var inference = model.CreateSession(session);
        var prompt = Enumerable.Range(0, options.PromptTokens).Select(i => (i * 7919 + 11) % model.Config.VocabularySize).ToArray();
        var depth = Enumerable.Range(0, options.Depth).Select(i => (i * 104729 + 3) % model.Config.VocabularySize).ToArray();
        var runs = new List<DecodeRun>();
        for (var r = 0; r < options.Warmups + options.Runs; r++)
        {
            inference.Reset();
            if (depth.Length > 0)
            {
                inference.AppendGreedy(depth);
            }
            var clock = Stopwatch.StartNew();
            var next = inference.AppendGreedy(prompt);
            var promptSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            for (var i = 0; i < options.GeneratedTokens; i++)
            {
                next = inference.AppendGreedy([next]);
            }
            var decodeSeconds = clock.Elapsed.TotalSeconds;
            if (r >= options.Warmups)
            {
                var run = new DecodeRun(options.PromptTokens / promptSeconds, options.GeneratedTokens / decodeSeconds);
                runs.Add(run);
                progress?.Invoke(r - options.Warmups, run);
            }
        }
        var averageContext = options.Depth + options.PromptTokens + options.GeneratedTokens / 2.0;
        return new DecodeBenchmarkResult(
            runs,
            RunStatistics.Of(runs.Select(r => r.PromptTokensPerSecond).ToArray()),
            RunStatistics.Of(runs.Select(r => r.DecodeTokensPerSecond).ToArray()),
            BytesReadPerToken(model, options.Session, averageContext));
    }

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
