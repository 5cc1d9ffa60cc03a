namespace MetalCore.Benchmarking;

/// <summary>
/// Two configurations measured run by run in alternation (A B A B ...), so that drift of the
/// machine (clocks, heat, other load) hits both alike, and their ratio taken pair by pair.
/// </summary>
/// <param name="A">The runs of the baseline.</param>
/// <param name="B">The runs of the other configuration, B[i] right after A[i].</param>
internal sealed record PairedResult(IReadOnlyList<DecodeRun> A, IReadOnlyList<DecodeRun> B)
{
    /// <summary>B / A decode speed, pair by pair.</summary>
    public IReadOnlyList<double> DecodeRatios => Ratios(r => r.DecodeTokensPerSecond);

    /// <summary>B / A prompt speed, pair by pair.</summary>
    public IReadOnlyList<double> PromptRatios => Ratios(r => r.PromptTokensPerSecond);

    /// <summary>Statistics of the decode ratios: a trimmed mean above 1 with its CI above 1 means B is faster.</summary>
    public RunStatistics DecodeRatio => RunStatistics.Of(DecodeRatios.ToArray());

    /// <summary>Statistics of the prompt ratios.</summary>
    public RunStatistics PromptRatio => RunStatistics.Of(PromptRatios.ToArray());

    private double[] Ratios(Func<DecodeRun, double> speed)
    {
        if (A.Count != B.Count || A.Count == 0)
        {
            throw new InvalidOperationException($"Paired runs need as many B runs as A runs, at least one (A {A.Count}, B {B.Count}).");
        }
        return [.. A.Zip(B, (a, b) => speed(b) / speed(a))];
    }
}

/// <summary>Runs the alternation.</summary>
internal static class PairedBenchmark
{
    /// <summary>
    /// <paramref name="warmups"/> pairs, then <paramref name="pairs"/> counted pairs, each A
    /// then B. <paramref name="beforeRun"/> is told which side runs next (false = A, true = B),
    /// e.g. to switch a background load on or off; <paramref name="progress"/> receives each
    /// pair (warm-ups with a negative index). A and B may be the same runner.
    /// </summary>
    public static PairedResult Run(DecodeRunner a, DecodeRunner b, int pairs, int warmups,
        Action<bool>? beforeRun = null, Action<int, DecodeRun, DecodeRun>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        var runsA = new List<DecodeRun>();
        var runsB = new List<DecodeRun>();
        for (var i = -warmups; i < pairs; i++)
        {
            beforeRun?.Invoke(false);
            var runA = a.RunOnce();
            beforeRun?.Invoke(true);
            var runB = b.RunOnce();
            if (i >= 0)
            {
                runsA.Add(runA);
                runsB.Add(runB);
            }
            progress?.Invoke(i, runA, runB);
        }
        return new PairedResult(runsA, runsB);
    }
}
