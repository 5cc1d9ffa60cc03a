using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Models;

/// <summary>
/// llama2.c's published greedy output of the stories260K model (256 tokens from BOS): matching
/// it exactly checks the Llama forward pass, GQA, interleaved rope, RMSNorm, SwiGLU, the KV
/// cache and greedy decoding.
/// </summary>
[TestFixture]
public class Stories260KGreedyTests
{
    private const int Bos = Stories260K.Bos;

    private static (string Model, int[] Expected) Fixture() => (Stories260K.ModelPath, Stories260K.ExpectedGreedyIds());

    private static int[] Greedy(InferenceSession session, ReadOnlySpan<int> prompt, int count)
    {
        var produced = new int[count];
        var next = session.AppendGreedy(prompt);
        for (var i = 0; i < count; i++)
        {
            produced[i] = next;
            if (i + 1 < count)
            {
                next = session.AppendGreedy([next]);
            }
        }
        return produced;
    }

    [TestCase(GgmlType.F32)]
    [TestCase(GgmlType.F16)]
    public void GreedyFromBosMatchesLlama2c(GgmlType kvCache)
    {
        var (path, expected) = Fixture();
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu });
        using var session = model.CreateSession(new SessionOptions { ContextLength = 256, KvCacheType = kvCache });

        var produced = Greedy(session, [Bos], expected.Length);

        Assert.That(produced, Is.EqualTo(expected));
    }

    [Test]
    public void BatchedPromptThenDecodeMatchesTokenByToken()
    {
        // The first 100 published tokens go in as one batch (matrix-matrix kernels); the rest
        // must continue exactly as the token-by-token run did.
        var (path, expected) = Fixture();
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu });
        using var session = model.CreateSession(new SessionOptions { ContextLength = 256, KvCacheType = GgmlType.F32, BatchSize = 64 });
        int[] prompt = [Bos, .. expected[..100]];

        var produced = Greedy(session, prompt, expected.Length - 100);

        Assert.That(produced, Is.EqualTo(expected[100..]));
    }

    [Test]
    public void GoingPastTheContextIsAClearError()
    {
        var (path, _) = Fixture();
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu });
        using var session = model.CreateSession(new SessionOptions { ContextLength = 8 });
        session.AppendGreedy([Bos, 2, 3, 4, 5, 6, 7]);

        var e = Assert.Throws<ContextFullException>(() => session.AppendGreedy([8, 9]));
        Assert.That(e!.Message, Does.Contain("holds 7 tokens").And.Contain("capacity of 8"));
        Assert.That(session.Position, Is.EqualTo(7), "a refused append changes nothing");
    }
}
