using System.Text.Json;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// The demo model's tokenizer.json (byte-level BPE trained with Hugging Face tokenizers, GPT-2
/// regex, <c>&lt;|bos|&gt;</c> added by a TemplateProcessing post-processor) against what Hugging
/// Face computed with it, recorded in the model's reference.json: the prompt ids, the decoded
/// greedy text, and the token counts of the held-out stories.
/// </summary>
[TestFixture]
public class DemoModelTokenizerTests
{
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TokenizerFactory.FromHuggingFace(Folder));

    private static string Folder => Path.Combine(Fixtures.RepositoryRoot, "tools", "demo-model", "out");

    private static Tokenizer LoadTokenizer()
    {
        if (!File.Exists(Path.Combine(Folder, "tokenizer.json")))
        {
            Assert.Ignore($"The demo model's files are not at '{Folder}' (tools/demo-model/out of the repository).");
        }
        return s_tokenizer.Value;
    }

    private static JsonElement Reference()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "reference.json")));
        return document.RootElement.Clone();
    }

    [Test]
    public void ReadsTheSpecialTokensAndTheBosRule()
    {
        var tokenizer = LoadTokenizer();
        var recorded = Reference().GetProperty("tokenizer");

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(recorded.GetProperty("vocab_size").GetInt32()));
            Assert.That(tokenizer.BosTokenId, Is.EqualTo(recorded.GetProperty("bos")[1].GetInt32()));
            Assert.That(tokenizer.EosTokenId, Is.EqualTo(recorded.GetProperty("eos")[1].GetInt32()));
            Assert.That(tokenizer.AddsBosToken, Is.EqualTo(recorded.GetProperty("adds_bos").GetBoolean()));
            Assert.That(tokenizer.AddsEosToken, Is.False);
            Assert.That(tokenizer.EndOfGenerationTokenIds, Does.Contain(recorded.GetProperty("eos")[1].GetInt32()));
        });
    }

    [Test]
    public void EncodesThePromptsAsHuggingFaceDid()
    {
        var tokenizer = LoadTokenizer();
        foreach (var greedy in Reference().GetProperty("greedy").EnumerateArray())
        {
            var prompt = greedy.GetProperty("prompt").GetString()!;
            var expected = greedy.GetProperty("prompt_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();

            Assert.That(tokenizer.Encode(prompt, addSpecial: true), Is.EqualTo(expected), prompt);
        }
    }

    [Test]
    public void DecodesTheGreedyContinuationsAsHuggingFaceDid()
    {
        var tokenizer = LoadTokenizer();
        foreach (var greedy in Reference().GetProperty("greedy").EnumerateArray())
        {
            var ids = greedy.GetProperty("greedy_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
            var firstEos = greedy.GetProperty("first_eos_index");
            var text = ids[..(firstEos.ValueKind == JsonValueKind.Number ? firstEos.GetInt32() : ids.Length)];

            Assert.That(tokenizer.Decode(text, renderSpecial: true), Is.EqualTo(greedy.GetProperty("text").GetString()));
        }
    }

    [Test]
    public void TokenizesTheHeldOutStoriesIntoAsManyTokensAsHuggingFaceDid()
    {
        var tokenizer = LoadTokenizer();
        var perplexity = Reference().GetProperty("heldout_perplexity");
        var stories = File.ReadAllLines(Path.Combine(Folder, "heldout.txt")).Where(line => line.Trim().Length > 0).ToArray();
        Assume.That(stories, Has.Length.EqualTo(perplexity.GetProperty("stories").GetInt32()));

        var counts = stories.Select(story => tokenizer.Encode(story).Length).ToArray();

        // The recorded counts are of [<|bos|>] + story + [<|eos|>] minus the unscored first token.
        var firstStories = perplexity.GetProperty("first_stories").EnumerateArray().Select(s => s.GetProperty("tokens").GetInt32() - 1);
        Assert.That(counts.Take(5), Is.EqualTo(firstStories));
        Assert.That(counts.Sum(), Is.EqualTo(perplexity.GetProperty("scored_tokens").GetInt32() - stories.Length));
        Assert.That(stories.Select(story => tokenizer.Decode(tokenizer.Encode(story))), Is.EqualTo(stories));
    }
}
