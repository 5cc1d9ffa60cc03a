namespace MetalCore.Benchmarking;

/// <summary>
/// Summary statistics of repeated benchmark runs, by the method of seed 000: counted runs after
/// warm-ups, a trimmed mean (the fastest and slowest 10% dropped, at least one each side from
/// 10 runs on), its 95% confidence interval from Student's t, the median, and the spread
/// (max − min over all counted runs, as a percentage of the trimmed mean).
/// </summary>
internal sealed record RunStatistics
{
    /// <summary>Runs counted.</summary>
    public required int Count { get; init; }

    /// <summary>Mean of the runs left after trimming.</summary>
    public required double TrimmedMean { get; init; }

    /// <summary>Half-width of the 95% confidence interval of the trimmed mean.</summary>
    public required double ConfidenceHalfWidth95 { get; init; }

    /// <summary>Median of all counted runs.</summary>
    public required double Median { get; init; }

    /// <summary>Smallest run.</summary>
    public required double Min { get; init; }

    /// <summary>Largest run.</summary>
    public required double Max { get; init; }

    /// <summary>(max − min) / trimmed mean × 100.</summary>
    public required double SpreadPercent { get; init; }

    /// <summary>Computes the statistics of <paramref name="runs"/> (at least one).</summary>
    public static RunStatistics Of(IReadOnlyCollection<double> runs)
    {
        if (runs.Count == 0)
        {
            throw new ArgumentException("No runs to summarize.", nameof(runs));
        }
        var sorted = runs.Order().ToArray();
        var trim = sorted.Length >= 10 ? sorted.Length / 10 : 0;
        var kept = sorted[trim..^trim];
        var mean = kept.Average();
        var halfWidth = 0.0;
        if (kept.Length > 1)
        {
            var variance = kept.Sum(x => (x - mean) * (x - mean)) / (kept.Length - 1);
            halfWidth = StudentT975(kept.Length - 1) * Math.Sqrt(variance / kept.Length);
        }
        return new RunStatistics
        {
            Count = sorted.Length,
            TrimmedMean = mean,
            ConfidenceHalfWidth95 = halfWidth,
            Median = sorted.Length % 2 == 1
                ? sorted[sorted.Length / 2]
                : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2,
            Min = sorted[0],
            Max = sorted[^1],
            SpreadPercent = mean == 0 ? 0 : (sorted[^1] - sorted[0]) / mean * 100,
        };
    }

    // The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%), from the
    // standard table; between tabulated points the next smaller df is used (conservative).
    private static double StudentT975(int df)
    {
        ReadOnlySpan<double> table =
        [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ];
        return df switch
        {
            <= 30 => table[df - 1],
            < 40 => 2.042,
            < 60 => 2.021,
            < 120 => 2.000,
            _ => 1.980,
        };
    }

    /// <summary>"mean ± ci (median m, spread s%)" with the given format for values.</summary>
    public string Format(string format = "F1") =>
        $"{TrimmedMean.ToString(format)} ± {ConfidenceHalfWidth95.ToString(format)} (median {Median.ToString(format)}, spread {SpreadPercent:F1}%, n={Count})";
}
