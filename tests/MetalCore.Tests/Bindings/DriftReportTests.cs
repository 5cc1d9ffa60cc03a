using MetalCore.Bindings;

namespace MetalCore.Tests.Bindings;

[TestFixture]
public class DriftReportTests
{
    [Test]
    public void ShowsTheFirstChangeWithContext()
    {
        var report = DriftReport.Describe("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nX\nY\ne\nf\n");

        Assert.That(report, Does.StartWith(
            "1 committed lines are not generated and 2 generated lines are not committed (-: committed, +: generated). "
            + "First change, at line 4 of the committed file:\n"));
        Assert.That(report, Does.EndWith("\n    b\n    c\n  - d\n  + X\n  + Y\n    e\n    f\n"));
    }

    [Test]
    public void ShowsCarriageReturns()
    {
        Assert.That(DriftReport.Describe("a\r\n", "a\n"), Does.Contain("  - a\\r\n  + a\n"));
    }

    [Test]
    public void ExplainsADifferenceInTheFinalNewlineOnly()
    {
        Assert.That(DriftReport.Describe("a", "a\n"), Does.Contain("differ only in their final newline"));
    }
}
