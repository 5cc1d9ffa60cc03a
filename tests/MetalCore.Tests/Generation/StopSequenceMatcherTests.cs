using MetalCore.Generation;

namespace MetalCore.Tests.Generation;

[TestFixture]
public class StopSequenceMatcherTests
{
    [Test]
    public void AStopSpanningSeveralPiecesEndsTheTextBeforeIt()
    {
        var matcher = new StopSequenceMatcher(["<|im_end|>"]);
        var shown = matcher.Push("Hello <|im") + matcher.Push("_e") + matcher.Push("nd|> trailing");
        Assert.That(shown, Is.EqualTo("Hello "));
        Assert.That(matcher.Matched, Is.EqualTo("<|im_end|>"));
        Assert.That(matcher.Push("more"), Is.Empty);
    }

    [Test]
    public void APossibleStartIsHeldBackThenReleasedWhenItIsNotAStop()
    {
        var matcher = new StopSequenceMatcher(["User:"]);
        Assert.That(matcher.Push("Say Us"), Is.EqualTo("Say "));
        Assert.That(matcher.Push("eful"), Is.EqualTo("Useful"));
        Assert.That(matcher.Flush(), Is.Empty);
        Assert.That(matcher.Matched, Is.Null);
    }

    [Test]
    public void TheEarliestOfSeveralStopsWins()
    {
        var matcher = new StopSequenceMatcher(["bb", "abc"]);
        Assert.That(matcher.Push("xabcbb"), Is.EqualTo("x"));
        Assert.That(matcher.Matched, Is.EqualTo("abc"));
    }

    [Test]
    public void FlushReleasesAHeldBackPrefixAtTheEnd()
    {
        var matcher = new StopSequenceMatcher(["\n\n"]);
        Assert.That(matcher.Push("line\n"), Is.EqualTo("line"));
        Assert.That(matcher.Flush(), Is.EqualTo("\n"));
    }

    [Test]
    public void WithoutStopsEverythingPassesThrough()
    {
        var matcher = new StopSequenceMatcher(null);
        Assert.That(matcher.Push("a") + matcher.Push("b"), Is.EqualTo("ab"));
    }
}
