using MetalCore.Benchmarking;

namespace MetalCore.Tuning;

/// <summary>What <see cref="Autotuner"/> measures with (a model on a device, or a fake in tests).</summary>
internal interface ITuningProbe
{
    /// <summary>
    /// Sets <paramref name="spec"/> to <paramref name="value"/> on the isolated-measurement
    /// device (where earlier sweeps left their best values) and returns the time of the kernels
    /// it affects in one step of its phase, in microseconds (lower is better).
    /// </summary>
    double IsolatedMicroseconds(TunableSpec spec, int value);

    /// <summary>
    /// One full run with <paramref name="values"/> set on top of the starting configuration
    /// (empty: the starting configuration alone: the backend's defaults and whatever the
    /// models load with); returns the speed of <paramref name="phase"/> in tokens per
    /// second (higher is better). <paramref name="baseline"/> tells the baseline of a
    /// comparison from its trials, so each can keep its own device state between rounds.
    /// </summary>
    double Throughput(TunablePhase phase, IReadOnlyDictionary<string, int> values, bool baseline);
}

/// <summary>How hard autotune measures.</summary>
internal sealed record AutotuneOptions
{
    /// <summary>Isolated measurements per candidate (their median ranks it).</summary>
    public int IsolatedRepetitions { get; init; } = 5;
    /// <summary>Best isolated candidates taken on to the full benchmark.</summary>
    public int TopCandidates { get; init; } = 2;
    /// <summary>Rounds of the full benchmark: each runs the baseline, then every finalist.</summary>
    public int ConfirmRounds { get; init; } = 5;
}

/// <summary>One candidate value's measurements.</summary>
/// <param name="Value">The value.</param>
/// <param name="IsolatedMicroseconds">Median isolated time of the affected kernels.</param>
/// <param name="RatioToBaseline">Full-benchmark speed over the baseline's, per round; null when not a finalist.</param>
internal sealed record CandidateResult(int Value, double IsolatedMicroseconds, RunStatistics? RatioToBaseline);

/// <summary>One tunable's sweep.</summary>
/// <param name="Spec">The tunable.</param>
/// <param name="Candidates">Every candidate, best isolated first.</param>
/// <param name="Adopted">The value adopted, or null when no finalist clearly beat the baseline.</param>
/// <param name="Verdict">Why, in words.</param>
internal sealed record TunableResult(TunableSpec Spec, IReadOnlyList<CandidateResult> Candidates, int? Adopted, string Verdict);

/// <summary>The whole autotune.</summary>
/// <param name="Tunables">Per tunable, in sweep order.</param>
/// <param name="Adopted">The values adopted (the tuning-table entry).</param>
/// <param name="DecodeRatio">Decode speed with all adopted values over the starting configuration, per round; null when nothing was adopted.</param>
/// <param name="PromptRatio">The same for prompt speed.</param>
internal sealed record AutotuneResult(IReadOnlyList<TunableResult> Tunables, IReadOnlyDictionary<string, int> Adopted,
    RunStatistics? DecodeRatio, RunStatistics? PromptRatio);

/// <summary>
/// Tunes a backend the way seed 002 found necessary: each tunable is swept in isolation (the
/// time of the kernels it affects, from the backend's profile), then its best candidates are
/// confirmed inside the full benchmark (isolated wins shrink in context), alternating with the
/// baseline round by round so drift cancels. A value is adopted only when the lower end of the
/// 95% CI of its speed ratio to the baseline is above 1: a clear win, not noise.
/// </summary>
internal static class Autotuner
{
    /// <summary>Sweeps <paramref name="specs"/> in order; <paramref name="log"/> receives progress lines.</summary>
    public static AutotuneResult Run(IReadOnlyList<TunableSpec> specs, ITuningProbe probe, AutotuneOptions options, Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IsolatedRepetitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TopCandidates, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConfirmRounds, 2);
        var ranked = specs.Select(spec => (spec, candidates: Isolate(spec, probe, options, log))).ToList();
        var adopted = new Dictionary<string, int>();
        var results = new List<TunableResult>();
        foreach (var (spec, candidates) in ranked)
        {
            results.Add(Confirm(spec, candidates, probe, options, adopted, log));
        }
        RunStatistics? decode = null, prompt = null;
        if (adopted.Count > 0)
        {
            log?.Invoke($"final: all adopted values ({Describe(adopted)}) against the starting configuration");
            decode = Compare(TunablePhase.Decode, new Dictionary<string, int>(), adopted, probe, options.ConfirmRounds);
            if (results.Any(r => r.Adopted is not null && r.Spec.Phase == TunablePhase.Prompt))
            {
                prompt = Compare(TunablePhase.Prompt, new Dictionary<string, int>(), adopted, probe, options.ConfirmRounds);
            }
        }
        return new AutotuneResult(results, adopted, decode, prompt);
    }

    /// <summary>"a=1, b=2".</summary>
    public static string Describe(IReadOnlyDictionary<string, int> values) =>
        values.Count == 0 ? "the starting configuration" : string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));

    // Every candidate's median isolated time, best first; leaves the best value set.
    private static List<CandidateResult> Isolate(TunableSpec spec, ITuningProbe probe, AutotuneOptions options, Action<string>? log)
    {
        var results = new List<CandidateResult>();
        foreach (var value in spec.Candidates)
        {
            var samples = Enumerable.Range(0, options.IsolatedRepetitions).Select(_ => probe.IsolatedMicroseconds(spec, value)).ToArray();
            var median = RunStatistics.Of(samples).Median;
            results.Add(new CandidateResult(value, median, null));
            log?.Invoke($"isolated {spec.Name}={value}: {median:F1} µs");
        }
        results.Sort((a, b) => a.IsolatedMicroseconds.CompareTo(b.IsolatedMicroseconds));
        probe.IsolatedMicroseconds(spec, results[0].Value);
        return results;
    }

    // The finalists against the baseline (the values adopted so far), round by round.
    private static TunableResult Confirm(TunableSpec spec, List<CandidateResult> candidates, ITuningProbe probe, AutotuneOptions options,
        Dictionary<string, int> adopted, Action<string>? log)
    {
        var finalists = candidates.Take(options.TopCandidates).Select(c => c.Value).ToArray();
        var ratios = finalists.ToDictionary(v => v, _ => new List<double>());
        var baseline = new Dictionary<string, int>(adopted);
        for (var round = 0; round < options.ConfirmRounds; round++)
        {
            var reference = probe.Throughput(spec.Phase, baseline, baseline: true);
            foreach (var value in finalists)
            {
                var trial = new Dictionary<string, int>(baseline) { [spec.Name] = value };
                ratios[value].Add(probe.Throughput(spec.Phase, trial, baseline: false) / reference);
            }
        }
        var statistics = ratios.ToDictionary(r => r.Key, r => RunStatistics.Of(r.Value));
        var confirmed = candidates.Select(c => c with { RatioToBaseline = statistics.GetValueOrDefault(c.Value) }).ToList();
        var best = statistics.MaxBy(s => s.Value.TrimmedMean);
        var lower = best.Value.TrimmedMean - best.Value.ConfidenceHalfWidth95;
        string verdict;
        int? chosen = null;
        if (lower > 1)
        {
            chosen = best.Key;
            adopted[spec.Name] = best.Key;
            verdict = $"{spec.Name}={best.Key}: {Percent(best.Value)} {spec.Phase.ToString().ToLowerInvariant()} speed vs {Describe(baseline)}: adopted";
        }
        else
        {
            verdict = $"{spec.Name}: best finalist {best.Key} at {Percent(best.Value)} vs {Describe(baseline)}: no clear win, baseline kept";
        }
        log?.Invoke(verdict);
        return new TunableResult(spec, confirmed, chosen, verdict);
    }

    private static RunStatistics Compare(TunablePhase phase, IReadOnlyDictionary<string, int> baseline, IReadOnlyDictionary<string, int> other,
        ITuningProbe probe, int rounds)
    {
        var ratios = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var reference = probe.Throughput(phase, baseline, baseline: true);
            ratios[i] = probe.Throughput(phase, other, baseline: false) / reference;
        }
        return RunStatistics.Of(ratios);
    }

    private static string Percent(RunStatistics ratio) =>
        $"{(ratio.TrimmedMean - 1) * 100:+0.0;-0.0}% ± {ratio.ConfidenceHalfWidth95 * 100:F1}%";
}
