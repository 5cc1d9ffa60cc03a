using System.Diagnostics;
using MetalCore.Models;

namespace MetalCore.Benchmarking;

/// <summary>The timings of one run, and the per-token figures the backend reported during its decode phase.</summary>
/// <param name="PromptTokensPerSecond">Prompt tokens processed per second (batched).</param>
/// <param name="DecodeTokensPerSecond">Tokens decoded per second, one by one.</param>
/// <param name="DispatchesPerToken">Kernel launches (CPU: op executions) per decoded token.</param>
/// <param name="DeviceMicrosecondsPerToken">Device time per decoded token as the backend measured it; 0 when it does not.</param>
/// <param name="EncodeMicrosecondsPerToken">Host time the backend spent encoding or launching each token's work; 0 when it does not say.</param>
internal sealed record DecodeRun(double PromptTokensPerSecond, double DecodeTokensPerSecond,
    double DispatchesPerToken = 0, double DeviceMicrosecondsPerToken = 0, double EncodeMicrosecondsPerToken = 0);

/// <summary>
/// One model, one session, one run at a time: each run fills the context to the requested
/// depth, processes the prompt in batches, then decodes token by token, timing both phases
/// apart and summing the backend's counters over the decoded tokens. Token ids are arbitrary
/// (the speed does not depend on them). Several runners on different models can be
/// alternated run by run (<see cref="PairedBenchmark"/>).
/// </summary>
internal sealed class DecodeRunner : IDisposable
{
    private readonly LanguageModel _model;
    private readonly DecodeBenchmarkOptions _options;
    private readonly InferenceSession _session;
    private readonly int[] _prompt;
    private readonly int[] _depth;

    /// <summary>Creates the session the runs share.</summary>
    public DecodeRunner(LanguageModel model, DecodeBenchmarkOptions options)
    {
        if (options.PromptTokens < 1 || options.GeneratedTokens < 1 || options.Depth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "A benchmark needs at least one prompt token and one generated token, and a depth >= 0.");
        }
        _model = model;
        _options = options;
        var needed = options.Depth + options.PromptTokens + options.GeneratedTokens;
        _session = model.CreateSession(options.Session with { ContextLength = Math.Max(options.Session.ContextLength, needed) });
        _prompt = Tokens(options.PromptTokens, 7919, 11);
        _depth = Tokens(options.Depth, 104729, 3);
    }

    /// <summary>The model the runs use.</summary>
    public LanguageModel Model => _model;

    /// <summary>Runs once.</summary>
    public DecodeRun RunOnce()
    {
        _session.Reset();
        if (_depth.Length > 0)
        {
            _session.AppendGreedy(_depth);
        }
        var context = _model.Context;
        var clock = Stopwatch.StartNew();
        var next = _session.AppendGreedy(_prompt);
        var promptSeconds = clock.Elapsed.TotalSeconds;
        context.ResetStats();
        double deviceUs = 0, encodeUs = 0;
        clock.Restart();
        for (var i = 0; i < _options.GeneratedTokens; i++)
        {
            next = _session.AppendGreedy([next]);
            // One cheap native call per token: the backend's own timing of this step.
            var step = context.Stats();
            deviceUs += step.LastDeviceTimeUs;
            encodeUs += step.LastHostEncodeUs;
        }
        var decodeSeconds = clock.Elapsed.TotalSeconds;
        var n = _options.GeneratedTokens;
        return new DecodeRun(_options.PromptTokens / promptSeconds, n / decodeSeconds,
            context.Stats().Dispatches / (double)n, deviceUs / n, encodeUs / n);
    }

    private int[] Tokens(int count, int multiplier, int offset) =>
        [.. Enumerable.Range(0, count).Select(i => (int)(((long)i * multiplier + offset) % _model.Config.VocabularySize))];

    /// <summary>Releases the session.</summary>
    public void Dispose() => _session.Dispose();
}
