using MetalCore.Sampling;

namespace MetalCore.Tests.Sampling;

[TestFixture]
public class TokenSamplerTests
{
    private static int SampleOnce(SamplingOptions options, float[] logits, int[]? history = null) =>
        new TokenSampler(options).Sample(logits.ToArray(), history ?? []);

    // Frequencies of each token over many draws of one sampler.
    private static double[] Frequencies(SamplingOptions options, float[] logits, int draws = 20000)
    {
        var sampler = new TokenSampler(options);
        var counts = new double[logits.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[sampler.Sample(logits.ToArray(), [])]++;
        }
        return counts.Select(c => c / draws).ToArray();
    }

    [Test]
    public void GreedyPicksTheLargestLogitAndTheSmallestIndexOnTies()
    {
        Assert.That(SampleOnce(new SamplingOptions(), [0.5f, 3f, -1f, 3f]), Is.EqualTo(1));
    }

    [Test]
    public void TemperatureOneDrawsFromTheSoftmax()
    {
        // softmax(ln 1, ln 2, ln 5) = (0.125, 0.25, 0.625) exactly.
        float[] logits = [MathF.Log(1), MathF.Log(2), MathF.Log(5)];
        var f = Frequencies(new SamplingOptions { Temperature = 1f, Seed = 7 }, logits);
        Assert.That(f[0], Is.EqualTo(0.125).Within(0.01));
        Assert.That(f[1], Is.EqualTo(0.25).Within(0.01));
        Assert.That(f[2], Is.EqualTo(0.625).Within(0.01));
    }

    [Test]
    public void TemperatureTwoFlattensTheDistribution()
    {
        // logits (0, ln 4) at T=2 are (0, ln 2): probabilities (1/3, 2/3).
        var f = Frequencies(new SamplingOptions { Temperature = 2f, Seed = 3 }, [0f, MathF.Log(4)]);
        Assert.That(f[1], Is.EqualTo(2.0 / 3).Within(0.01));
    }

    [Test]
    public void TopKKeepsOnlyTheKMostLikely()
    {
        float[] logits = [MathF.Log(4), MathF.Log(3), MathF.Log(2), MathF.Log(1)];
        var f = Frequencies(new SamplingOptions { Temperature = 1f, TopK = 2, Seed = 11 }, logits);
        Assert.That(f[2] + f[3], Is.EqualTo(0));
        Assert.That(f[0], Is.EqualTo(4.0 / 7).Within(0.01));
    }

    [Test]
    public void TopPKeepsTheSmallestPrefixReachingP()
    {
        // p = (0.5, 0.3, 0.2): top_p 0.7 keeps {0, 1} (0.5 < 0.7 <= 0.8), renormalized to 5/8, 3/8.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];
        var f = Frequencies(new SamplingOptions { Temperature = 1f, TopP = 0.7f, Seed = 5 }, logits);
        Assert.That(f[2], Is.EqualTo(0));
        Assert.That(f[0], Is.EqualTo(5.0 / 8).Within(0.01));
    }

    [Test]
    public void MinPDropsTokensLessLikelyThanAFractionOfTheBest()
    {
        // p = (0.5, 0.3, 0.2), min_p 0.5: threshold 0.25 keeps {0, 1}.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];
        var f = Frequencies(new SamplingOptions { Temperature = 1f, MinP = 0.5f, Seed = 9 }, logits);
        Assert.That(f[2], Is.EqualTo(0));
        Assert.That(f[1], Is.EqualTo(3.0 / 8).Within(0.01));
    }

    [Test]
    public void PenaltiesFollowLlamaCppAndOpenAiDefinitions()
    {
        var sampler = new TokenSampler(new SamplingOptions
        {
            RepetitionPenalty = 2f,
            PresencePenalty = 0.5f,
            FrequencyPenalty = 0.25f,
        });
        float[] logits = [4f, -4f, 1f, 3f];
        // token 0 seen twice, token 1 once, token 2 never, token 3 once.
        sampler.ApplyPenalties(logits, [0, 1, 0, 3]);
        // 0: 4/2 - (2*0.25 + 0.5) = 1; 1: -4*2 - (0.25 + 0.5) = -8.75; 2: unchanged; 3: 3/2 - 0.75 = 0.75.
        Assert.That(logits, Is.EqualTo(new[] { 1f, -8.75f, 1f, 0.75f }));
    }

    [Test]
    public void PenaltyWindowOnlyCountsRecentTokens()
    {
        var sampler = new TokenSampler(new SamplingOptions { PresencePenalty = 1f, PenaltyWindow = 2 });
        float[] logits = [0f, 0f, 0f];
        sampler.ApplyPenalties(logits, [0, 1, 2]);
        Assert.That(logits, Is.EqualTo(new[] { 0f, -1f, -1f }));
    }

    [Test]
    public void GreedyWithRepetitionPenaltyAvoidsTheRepeatedToken()
    {
        var options = new SamplingOptions { RepetitionPenalty = 3f };
        Assert.That(SampleOnce(options, [2f, 1f], history: [0]), Is.EqualTo(1));
    }

    [Test]
    public void TheSameSeedGivesTheSameDraws()
    {
        var options = new SamplingOptions { Temperature = 1f, Seed = 42 };
        float[] logits = Enumerable.Range(0, 50).Select(i => MathF.Sin(i)).ToArray();
        var a = new TokenSampler(options);
        var b = new TokenSampler(options);
        var first = Enumerable.Range(0, 100).Select(_ => a.Sample(logits.ToArray(), [])).ToArray();
        var second = Enumerable.Range(0, 100).Select(_ => b.Sample(logits.ToArray(), [])).ToArray();
        Assert.That(second, Is.EqualTo(first));
        Assert.That(first.Distinct().Count(), Is.GreaterThan(5), "a seeded draw still varies from token to token");
    }

    [TestCase(nameof(SamplingOptions.TopP), 0f)]
    [TestCase(nameof(SamplingOptions.TopP), 1.5f)]
    [TestCase(nameof(SamplingOptions.MinP), 1f)]
    [TestCase(nameof(SamplingOptions.TopK), -1f)]
    [TestCase(nameof(SamplingOptions.RepetitionPenalty), 0f)]
    [TestCase(nameof(SamplingOptions.Temperature), float.NaN)]
    public void OutOfRangeOptionsNameTheOption(string name, float value)
    {
        var options = name switch
        {
            nameof(SamplingOptions.TopP) => new SamplingOptions { TopP = value },
            nameof(SamplingOptions.MinP) => new SamplingOptions { MinP = value },
            nameof(SamplingOptions.TopK) => new SamplingOptions { TopK = (int)value },
            nameof(SamplingOptions.RepetitionPenalty) => new SamplingOptions { RepetitionPenalty = value },
            _ => new SamplingOptions { Temperature = value },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(options));
        Assert.That(e!.ParamName, Is.EqualTo(name));
    }
}
