using MetalCore.Benchmarking;

namespace MetalCore.Tests.Benchmarking;

[TestFixture]
public class PairedBenchmarkTests
{
    private static DecodeRun Run(double prompt, double decode) => new(prompt, decode);

    [Test]
    public void RatiosArePairByPairAndTheirStatisticsAreHandComputable()
    {
        // A decodes at 10, 20, 40, 50; B at 11, 21, 44, 50: per-pair ratios 1.1, 1.05, 1.1, 1.0.
        var paired = new PairedResult(
            [Run(100, 10), Run(200, 20), Run(400, 40), Run(500, 50)],
            [Run(50, 11), Run(100, 21), Run(200, 44), Run(250, 50)]);

        Assert.That(paired.DecodeRatios, Is.EqualTo(new[] { 1.1, 1.05, 1.1, 1.0 }).Within(1e-12));
        // Hand-computed: mean 1.0625; deviations .0375, -.0125, .0375, -.0625: squares sum .006875;
        // sample variance .006875/3; t(0.975, 3) = 3.182; median of 1.0, 1.05, 1.1, 1.1 = 1.075.
        var s = paired.DecodeRatio;
        Assert.That(s.TrimmedMean, Is.EqualTo(1.0625).Within(1e-12));
        Assert.That(s.ConfidenceHalfWidth95, Is.EqualTo(3.182 * Math.Sqrt(0.006875 / 3 / 4)).Within(1e-12));
        Assert.That(s.Median, Is.EqualTo(1.075).Within(1e-12));
        Assert.That(s.SpreadPercent, Is.EqualTo(0.1 / 1.0625 * 100).Within(1e-9));
        // Every prompt ratio is exactly one half.
        Assert.That(paired.PromptRatio.TrimmedMean, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(paired.PromptRatio.ConfidenceHalfWidth95, Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void AStableRatioSurvivesDriftThatSwampsTheSpeedsThemselves()
    {
        // The machine slows down run after run (drift), B is always 5% faster than A right after it.
        var a = Enumerable.Range(0, 15).Select(i => Run(100, 100 - 5 * i)).ToArray();
        var b = a.Select(r => Run(r.PromptTokensPerSecond, r.DecodeTokensPerSecond * 1.05)).ToArray();
        var paired = new PairedResult(a, b);

        var speedA = RunStatistics.Of(a.Select(r => r.DecodeTokensPerSecond).ToArray());
        var speedB = RunStatistics.Of(b.Select(r => r.DecodeTokensPerSecond).ToArray());
        Assert.That(speedB.TrimmedMean - speedB.ConfidenceHalfWidth95, Is.LessThan(speedA.TrimmedMean + speedA.ConfidenceHalfWidth95),
            "the separate intervals overlap: compared run set to run set, the 5% is lost in the drift");
        Assert.That(paired.DecodeRatio.TrimmedMean, Is.EqualTo(1.05).Within(1e-12));
        Assert.That(paired.DecodeRatio.ConfidenceHalfWidth95, Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void UnequalRunCountsAreAnError() =>
        Assert.Throws<InvalidOperationException>(() => _ = new PairedResult([Run(1, 1)], []).DecodeRatios);
}
