using MetalCore.Generation;
using MetalCore.Models;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Generation;

/// <summary>
/// The generator's KV cache reuse, limits and cancellation, checked against llama2.c's
/// published greedy continuation of stories260K: whatever the cache held before, a greedy
/// continuation of a prefix of that sequence must be the rest of it.
/// </summary>
[TestFixture]
public class TextGeneratorTests
{
    private static readonly GenerationOptions s_greedy = new() { MaxTokens = 20, StopAtEndOfGeneration = false };

    // BOS followed by the first `count` published tokens.
    private static int[] PublishedPrefix(int[] expected, int count) => [Stories260K.Bos, .. expected[..count]];

    [Test]
    public void AFreshGeneratorContinuesThePublishedSequence()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 30), s_greedy));

        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 30, 20)));
        Assert.That(generator.LastStatistics!.ReusedPromptTokens, Is.Zero);
        Assert.That(generator.LastStatistics.GeneratedTokens, Is.EqualTo(20));
        Assert.That(generator.LastStatistics.FinishReason, Is.EqualTo(FinishReason.MaxTokens));
    }

    [Test]
    public void ALongerPromptReusesWhatTheCacheHoldsAndContinuesIdentically()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        _ = string.Concat(generator.Generate(PublishedPrefix(expected, 50), s_greedy));
        // The cache now holds BOS, 50 prompt tokens and 19 of the 20 generated ones (the last
        // one produced is not appended): all of them agree with the published sequence.
        Assert.That(generator.CachedTokens, Is.EqualTo(PublishedPrefix(expected, 69)));

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 80), s_greedy));

        Assert.That(generator.LastStatistics!.ReusedPromptTokens, Is.EqualTo(70));
        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 80, 20)));
    }

    [Test]
    public void ADivergingPromptReusesOnlyTheCommonPrefix()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        int[] detour = [.. PublishedPrefix(expected, 10), .. expected[100..140]];
        _ = string.Concat(generator.Generate(detour, s_greedy));

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 60), s_greedy));

        Assert.That(generator.LastStatistics!.ReusedPromptTokens, Is.EqualTo(11 + CommonLength(expected[10..], expected[100..])));
        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 60, 20)));
    }

    private static int CommonLength(int[] a, int[] b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }
        return n;
    }

    [Test]
    public void TheSamePromptAgainRunsOnlyItsLastToken()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        var prompt = PublishedPrefix(expected, 40);
        var first = string.Concat(generator.Generate(prompt, s_greedy));

        var second = string.Concat(generator.Generate(prompt, s_greedy));

        Assert.That(generator.LastStatistics!.ReusedPromptTokens, Is.EqualTo(prompt.Length - 1));
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void ASessionChangedBehindTheGeneratorsBackIsStartedAfresh()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var session = model.CreateSession();
        var generator = new TextGenerator(session, model.Tokenizer!);
        _ = string.Concat(generator.Generate(PublishedPrefix(expected, 30), s_greedy));
        session.AppendGreedy([5, 6, 7]);

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 30), s_greedy));

        Assert.That(generator.LastStatistics!.ReusedPromptTokens, Is.Zero);
        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 30, 20)));
    }

    [Test]
    public void APromptLongerThanTheContextIsAClearError()
    {
        using var model = Stories260K.Load(contextLength: 16);
        using var generator = model.CreateGenerator();

        var e = Assert.Throws<ContextFullException>(() => generator.Generate(Enumerable.Repeat(5, 17).ToArray(), s_greedy));

        Assert.That(e!.Message, Does.Contain("adding 17").And.Contain("capacity of 16"));
    }

    [Test]
    public void GenerationEndsWhenTheContextIsFull()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load(contextLength: 32);
        using var generator = model.CreateGenerator();

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 20), s_greedy with { MaxTokens = 100 }));

        // 21 prompt tokens leave room for 11 more: the 12th token produced is never appended.
        Assert.That(generator.LastStatistics!.FinishReason, Is.EqualTo(FinishReason.ContextFull));
        Assert.That(generator.LastStatistics.GeneratedTokens, Is.EqualTo(12));
        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 20, 12)));
    }

    [Test]
    public void CancellationStopsBeforeTheNextToken()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        using var cancellation = new CancellationTokenSource();
        var pieces = 0;

        foreach (var _ in generator.Generate(PublishedPrefix(expected, 10), s_greedy with { MaxTokens = 100 }, cancellation.Token))
        {
            if (++pieces == 5)
            {
                cancellation.Cancel();
            }
        }

        Assert.That(generator.LastStatistics!.FinishReason, Is.EqualTo(FinishReason.Cancelled));
        Assert.That(generator.LastStatistics.GeneratedTokens, Is.EqualTo(5));
    }

    [Test]
    public void TheCacheStaysUsableAfterAnAbandonedGeneration()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        _ = generator.Generate(PublishedPrefix(expected, 10), s_greedy).Take(3).ToList();
        Assert.That(generator.LastStatistics!.FinishReason, Is.EqualTo(FinishReason.Cancelled));

        var text = string.Concat(generator.Generate(PublishedPrefix(expected, 30), s_greedy));

        Assert.That(generator.LastStatistics.ReusedPromptTokens, Is.EqualTo(13));
        Assert.That(text, Is.EqualTo(Stories260K.PublishedText(model, expected, 30, 20)));
    }

    [Test]
    public async Task GenerateAsyncStreamsTheSameTextAsGenerate()
    {
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        var pieces = new List<string>();

        await foreach (var piece in generator.GenerateAsync(PublishedPrefix(expected, 30), s_greedy))
        {
            pieces.Add(piece);
        }

        Assert.That(string.Concat(pieces), Is.EqualTo(Stories260K.PublishedText(model, expected, 30, 20)));
        Assert.That(pieces, Has.Count.GreaterThan(1));
    }

    [Test]
    public void AStringPromptIsEncodedWithTheModelsBos()
    {
        using var model = Stories260K.Load();
        using var generator = model.CreateGenerator();
        using var reference = model.CreateGenerator();
        var prompt = "Once upon a time";
        var tokens = model.Tokenizer!.Encode(prompt, addSpecial: true);

        var text = string.Concat(generator.Generate(prompt, s_greedy));

        Assert.That(tokens[0], Is.EqualTo(Stories260K.Bos));
        Assert.That(generator.CachedTokens.Take(tokens.Length), Is.EqualTo(tokens));
        Assert.That(text, Is.EqualTo(string.Concat(reference.Generate(tokens, s_greedy))));
    }
}
