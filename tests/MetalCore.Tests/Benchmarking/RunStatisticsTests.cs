using MetalCore.Benchmarking;

namespace MetalCore.Tests.Benchmarking;

[TestFixture]
public class RunStatisticsTests
{
    [Test]
    public void FifteenRunsDropOneEachSideAndUseTWithTwelveDegreesOfFreedom()
    {
        // 1..15 plus an outlier pair: sorted 0, 2..14, 100 -> trimmed 2..14 (13 values).
        double[] runs = [100, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
        var s = RunStatistics.Of(runs);

        // Hand-computed: mean of 2..14 = 8; sample variance = 182/12; t(0.975, 12) = 2.179.
        Assert.That(s.Count, Is.EqualTo(15));
        Assert.That(s.TrimmedMean, Is.EqualTo(8).Within(1e-12));
        Assert.That(s.ConfidenceHalfWidth95, Is.EqualTo(2.179 * Math.Sqrt(182.0 / 12 / 13)).Within(1e-12));
        Assert.That(s.Median, Is.EqualTo(8));
        Assert.That(s.Min, Is.EqualTo(0));
        Assert.That(s.Max, Is.EqualTo(100));
        Assert.That(s.SpreadPercent, Is.EqualTo(100.0 / 8 * 100).Within(1e-9));
    }

    [Test]
    public void FewRunsAreNotTrimmedAndAnEvenCountHasTheMiddleMeanAsMedian()
    {
        var s = RunStatistics.Of([4, 1, 3, 2]);
        // mean 2.5, variance 5/3, t(0.975, 3) = 3.182.
        Assert.That(s.TrimmedMean, Is.EqualTo(2.5));
        Assert.That(s.Median, Is.EqualTo(2.5));
        Assert.That(s.ConfidenceHalfWidth95, Is.EqualTo(3.182 * Math.Sqrt(5.0 / 3 / 4)).Within(1e-12));
    }

    [Test]
    public void OneRunHasNoInterval()
    {
        var s = RunStatistics.Of([42]);
        Assert.That(s.ConfidenceHalfWidth95, Is.EqualTo(0));
        Assert.That(s.SpreadPercent, Is.EqualTo(0));
    }

    [Test]
    public void NoRunsIsAnError() => Assert.Throws<ArgumentException>(() => RunStatistics.Of([]));
}
