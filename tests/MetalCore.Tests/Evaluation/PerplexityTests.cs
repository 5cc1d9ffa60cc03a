using MetalCore.Evaluation;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Evaluation;

/// <summary>
/// llama.cpp's chunked perplexity on the demo model, against the same definition computed
/// independently one token at a time (the single-token decode path and a plain log-softmax).
/// </summary>
public sealed class PerplexityTests
{
    private const int Context = 64;

    private static LanguageModel Load() => LanguageModel.Load(
        Path.Combine(Fixtures.RepositoryRoot, "assets", "demo-model", "metalcore-demo.gguf"),
        new ModelLoadOptions { Backend = ComputeBackend.Cpu, Threads = 2 });

    private static int[] TextTokens(LanguageModel model, int count)
    {
        var text = string.Join('\n', File.ReadLines(Path.Combine(Fixtures.RepositoryRoot, "tools", "demo-model", "out", "heldout.txt")).Take(5));
        var tokens = model.Tokenizer!.Encode(text, addSpecial: true);
        Assert.That(tokens, Has.Length.GreaterThanOrEqualTo(count));
        return tokens[..count];
    }

    [Test]
    public void ChunkedPerplexityScoresTheSecondHalfOfEachChunkAfterBos()
    {
        using var model = Load();
        // Three whole chunks and a remainder that llama.cpp drops.
        var tokens = TextTokens(model, 3 * Context + 10);
        using var session = model.CreateSession(new SessionOptions { ContextLength = Context, KvCacheType = GgmlType.F32, BatchSize = 16, MaxLogitRows = 16 });
        var result = Perplexity.OfChunks(session, tokens, Context, bos: 0);

        // Independently: feed each chunk (first token BOS) one token at a time and score
        // positions Context/2 + 1 .. Context - 1.
        double nll = 0;
        var scored = 0;
        var logits = new float[model.Config.VocabularySize];
        using var oneByOne = model.CreateSession(new SessionOptions { ContextLength = Context, KvCacheType = GgmlType.F32 });
        for (var chunk = 0; chunk < 3; chunk++)
        {
            oneByOne.Reset();
            for (var position = 0; position < Context - 1; position++)
            {
                var token = position == 0 ? 0 : tokens[chunk * Context + position];
                oneByOne.Append([token], logits);
                if (position + 1 > Context / 2)
                {
                    var max = logits.Max();
                    var logSum = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
                    nll += logSum - logits[tokens[chunk * Context + position + 1]];
                    scored++;
                }
            }
        }
        Assert.That(result.ScoredTokens, Is.EqualTo(3 * (Context - Context / 2 - 1)));
        Assert.That(scored, Is.EqualTo(result.ScoredTokens));
        Assert.That(result.NegativeLogLikelihood, Is.EqualTo(nll).Within(1e-6).Percent);
    }

    [Test]
    public void FewerThanTwoChunksIsAClearError()
    {
        using var model = Load();
        using var session = model.CreateSession(new SessionOptions { ContextLength = Context });
        var error = Assert.Throws<ArgumentException>(() => Perplexity.OfChunks(session, TextTokens(model, 2 * Context - 1), Context, bos: 0));
        Assert.That(error!.Message, Does.Contain($"has {2 * Context - 1} tokens").And.Contain($"needs at least {2 * Context}"));
    }
}
