using System.Runtime.InteropServices;
using System.Text.Json;
using MetalCore.Evaluation;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Models;

/// <summary>
/// The built-in demo model (assets/demo-model/metalcore-demo.gguf, converted by our converter from
/// the weights tools/demo-model/train.py trained) against the record PyTorch made of the same
/// weights at export time (tools/demo-model/out/reference.json): prompt ids, greedy
/// continuations, prompt logits and held-out perplexity.
/// </summary>
[TestFixture]
public class DemoModelTests
{
    private static string ModelPath => Path.Combine(Fixtures.RepositoryRoot, "assets", "demo-model", "metalcore-demo.gguf");
    private static string RecordFolder => Path.Combine(Fixtures.RepositoryRoot, "tools", "demo-model", "out");

    private static JsonDocument Record() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RecordFolder, "reference.json")));

    private static LanguageModel Load() => LanguageModel.Load(ModelPath, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Threads = 2 });

    private static readonly SessionOptions s_options = new() { ContextLength = 512, KvCacheType = GgmlType.F32, BatchSize = 256, MaxLogitRows = 256 };

    [Test]
    public void TheEmbeddedModelLoadsWithItsTokenizer()
    {
        Assert.That(new FileInfo(ModelPath).Length, Is.LessThanOrEqualTo(10_000_000), "the repository keeps the model under 10 MB");
        using var model = Load();
        var c = model.Config;
        Assert.Multiple(() =>
        {
            Assert.That(c.Architecture, Is.EqualTo(ModelArchitecture.Llama));
            Assert.That((c.Layers, c.HiddenSize, c.FeedForwardSize, c.Heads, c.KvHeads, c.HeadDim, c.VocabularySize, c.TrainedContextLength),
                Is.EqualTo((6, 256, 512, 8, 4, 32, 2040, 512)));
            Assert.That(c.RopeLayout, Is.EqualTo(RopeLayout.Interleaved), "a llama GGUF: q/k permuted by the converter");
            Assert.That(model.Tokenizer, Is.Not.Null);
            Assert.That(model.Tokenizer!.BosTokenId, Is.EqualTo(0));
            Assert.That(model.Tokenizer.EosTokenId, Is.EqualTo(1));
            Assert.That(model.Tokenizer.AddsBosToken, Is.True);
        });
    }

    [Test]
    public void GreedyContinuationsEqualPyTorchs()
    {
        using var model = Load();
        using var record = Record();
        var prompts = record.RootElement.GetProperty("greedy").EnumerateArray().ToArray();
        var logits = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(RecordFolder, "logits_prompts.f32"))).ToArray();
        Assert.That(logits, Has.Length.EqualTo(prompts.Length * model.Config.VocabularySize));
        for (var p = 0; p < prompts.Length; p++)
        {
            var prompt = prompts[p].GetProperty("prompt").GetString()!;
            var promptIds = prompts[p].GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var expected = prompts[p].GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var ids = model.Tokenizer!.Encode(prompt, addSpecial: true);
            Assert.That(ids, Is.EqualTo(promptIds), $"prompt {p} ids");

            using var session = model.CreateSession(s_options);
            var last = new float[model.Config.VocabularySize];
            session.Append(ids, last);
            var delta = HfReferenceFixture.MaxAbsDifference(last, logits.AsSpan(p * last.Length, last.Length));
            var produced = new int[expected.Length];
            // The first new token is the argmax of those logits; the rest come from greedy steps.
            var next = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(last);
            for (var i = 0; i < produced.Length; i++)
            {
                produced[i] = next;
                if (i + 1 < produced.Length)
                {
                    next = session.AppendGreedy([next]);
                }
            }
            TestContext.Out.WriteLine($"prompt {p}: max|Δlogit| at the last prompt position {delta:G3}; greedy {produced.Zip(expected).Count(x => x.First == x.Second)}/{expected.Length}");
            Assert.That(delta, Is.LessThanOrEqualTo(1e-3f), $"prompt {p} logits (float32 math on the same F16 weights)");
            Assert.That(produced, Is.EqualTo(expected), $"prompt {p} greedy ids: '{prompt}'");
        }
    }

    /// <summary>
    /// train.py's definition (tools/demo-model/README.md): every non-blank line of heldout.txt is
    /// one story, ids = [bos] + encode(story) + [eos], a fresh context per story, every id after
    /// bos scored; perplexity = exp(Σ NLL / scored tokens) over all 400 stories.
    /// </summary>
    [Test]
    public void HeldOutPerplexityIsWithinOnePercentOfPyTorchs()
    {
        using var model = Load();
        using var record = Record();
        var reference = record.RootElement.GetProperty("heldout_perplexity");
        var tokenizer = model.Tokenizer!;
        using var session = model.CreateSession(s_options);
        var stories = File.ReadAllLines(Path.Combine(RecordFolder, "heldout.txt")).Where(line => line.Trim().Length > 0).ToArray();
        var total = default(PerplexityResult);
        var first = new List<PerplexityResult>();
        foreach (var story in stories)
        {
            int[] ids = [tokenizer.BosTokenId!.Value, .. tokenizer.Encode(story), tokenizer.EosTokenId!.Value];
            var result = Perplexity.OfSequence(session, ids, firstScored: 1);
            total += result;
            if (first.Count < 5)
            {
                first.Add(result);
            }
        }
        var expected = reference.GetProperty("value").GetDouble();
        TestContext.Out.WriteLine($"held-out perplexity {total.Perplexity:F6} (PyTorch {expected:F6}, relative difference "
            + $"{Math.Abs(total.Perplexity / expected - 1):E2}) over {total.ScoredTokens} tokens of {stories.Length} stories");
        Assert.Multiple(() =>
        {
            Assert.That(stories, Has.Length.EqualTo(reference.GetProperty("stories").GetInt32()));
            Assert.That(total.ScoredTokens, Is.EqualTo(reference.GetProperty("scored_tokens").GetInt64()), "same tokenization of every story");
            var firstExpected = reference.GetProperty("first_stories").EnumerateArray().ToArray();
            for (var i = 0; i < firstExpected.Length; i++)
            {
                Assert.That(first[i].ScoredTokens, Is.EqualTo(firstExpected[i].GetProperty("tokens").GetInt64()), $"story {i} tokens");
                Assert.That(first[i].NegativeLogLikelihood, Is.EqualTo(firstExpected[i].GetProperty("nll_sum").GetDouble()).Within(1).Percent, $"story {i} NLL");
            }
            Assert.That(total.Perplexity, Is.EqualTo(expected).Within(1).Percent);
        });
    }
}
