using System.Text.Json.Nodes;
using MetalCore.ModelFiles;
using MetalCore.Tests.ModelFiles;
using MetalCore.Tokenization;
using static MetalCore.Tests.Tokenization.HfTokenizerFiles;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Small hand-built tokenizer.json files whose tokenization is worked out by hand: a byte-level
/// BPE (bytes 0-255 as ids 0-255, five merges) and a SentencePiece-style BPE with byte fallback.
/// </summary>
[TestFixture]
public class HfTokenizerJsonTests
{
    private const int He = 256, Ll = 257, Hell = 258, SpaceW = 259, Hello = 260, End = 261, Tool = 262;

    /// <summary>The 256 byte tokens, in byte order, in GPT-2's alphabet (printable bytes as themselves, others from U+0100 up).</summary>
    private static string[] ByteTokens()
    {
        var next = 0x100;
        return Enumerable.Range(0, 256)
            .Select(b => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE ? ((char)b).ToString() : ((char)next++).ToString())
            .ToArray();
    }

    private static HfTokenizerFiles ByteLevelFiles(JsonObject? config = null, JsonNode? postProcessor = null, bool stripAroundTool = false) => new()
    {
        Vocab = [.. ByteTokens(), "he", "ll", "hell", "\u0120w", "hello"],
        Merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("\u0120", "w"), ("hell", "o")],
        AddedTokens = [(End, "<|end|>", true), (Tool, "<tool>", false)],
        PreTokenizer = ByteLevel(useRegex: true),
        PostProcessor = postProcessor,
        Decoder = ByteLevel(useRegex: true),
        Config = config,
        StripAround = stripAroundTool ? [Tool] : [],
    };

    private static Tokenizer Load(HfTokenizerFiles files)
    {
        using var folder = new TempFolder();
        return TokenizerFactory.FromHuggingFace(files.WriteTo(folder));
    }

    [Test]
    public void MergesByRankWithinGpt2Words()
    {
        var tokenizer = Load(ByteLevelFiles());

        // "hello" -> h e l l o -> he ll o (ranks 0, 1) -> hell o (2) -> hello (4);
        // " world" -> Ġ w o r l d -> Ġw o r l d (3), no other merge.
        Assert.That(tokenizer.Encode("hello world"), Is.EqualTo(new[] { Hello, SpaceW, 'o', 'r', 'l', 'd' }));
        Assert.That(tokenizer.Decode([Hello, SpaceW, 'o', 'r', 'l', 'd']), Is.EqualTo("hello world"));
    }

    [Test]
    public void ByteLevelVocabulariesSpellEveryByte()
    {
        var tokenizer = Load(ByteLevelFiles());

        // 'é' is C3 A9 in UTF-8; no merge joins them.
        Assert.That(tokenizer.Encode("é"), Is.EqualTo(new[] { 0xC3, 0xA9 }));
        Assert.That(tokenizer.Decode([0xC3, 0xA9]), Is.EqualTo("é"));
    }

    [Test]
    public void SpecialAddedTokensAreMatchedOnlyWhenAskedAndOthersAlways()
    {
        var tokenizer = Load(ByteLevelFiles());

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Encode("he<|end|>", parseSpecial: true), Is.EqualTo(new[] { He, End }));
            Assert.That(tokenizer.Encode("he<|end|>", parseSpecial: false), Is.EqualTo(new[] { He, '<', '|', 'e', 'n', 'd', '|', '>' }));
            Assert.That(tokenizer.Encode("he<tool>", parseSpecial: false), Is.EqualTo(new[] { He, Tool }));
            Assert.That(tokenizer.GetTokenType(End), Is.EqualTo(TokenType.Control));
            Assert.That(tokenizer.GetTokenType(Tool), Is.EqualTo(TokenType.UserDefined));
            Assert.That(tokenizer.Decode([He, End, Tool]), Is.EqualTo("he<tool>"));
            Assert.That(tokenizer.Decode([He, End, Tool], renderSpecial: true), Is.EqualTo("he<|end|><tool>"));
        });
    }

    [Test]
    public void AnAddedTokenWithStripSwallowsTheSpacesAroundIt()
    {
        var tokenizer = Load(ByteLevelFiles(stripAroundTool: true));

        Assert.That(tokenizer.Encode("he  <tool>  he"), Is.EqualTo(new[] { He, Tool, He }));
    }

    [Test]
    public void TheTemplatePostProcessorDecidesBosWhenTheConfigDoesNotSay()
    {
        var tokenizer = Load(ByteLevelFiles(postProcessor: BosTemplate("<|end|>", End)));

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.AddsBosToken, Is.True);
            Assert.That(tokenizer.BosTokenId, Is.EqualTo(End));
            Assert.That(tokenizer.Encode("he", addSpecial: true), Is.EqualTo(new[] { End, He }));
            Assert.That(tokenizer.Encode("he", addSpecial: false), Is.EqualTo(new[] { He }));
        });
    }

    [Test]
    public void TheConfigOverridesThePostProcessor()
    {
        var config = new JsonObject { ["bos_token"] = "<|end|>", ["eos_token"] = new JsonObject { ["content"] = "<tool>" }, ["add_bos_token"] = false, ["add_eos_token"] = true };

        var tokenizer = Load(ByteLevelFiles(config, BosTemplate("<|end|>", End)));

        Assert.Multiple(() =>
        {
            Assert.That((tokenizer.AddsBosToken, tokenizer.AddsEosToken), Is.EqualTo((false, true)));
            Assert.That(tokenizer.EosTokenId, Is.EqualTo(Tool));
            Assert.That(tokenizer.EndOfGenerationTokenIds, Does.Contain(Tool));
            Assert.That(tokenizer.Encode("he", addSpecial: true), Is.EqualTo(new[] { He, Tool }));
        });
    }

    // A SentencePiece-style BPE: <unk> <s> </s>, the 256 byte tokens, then ▁ a b ▁a ab ▁ab.
    private const int Bos = 1, Space = 259, A = 260, B = 261, SpaceA = 262, SpaceAb = 264;

    private static HfTokenizerFiles SentencePieceFiles() => SentencePieceStyle(
        ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"), "\u2581", "a", "b", "\u2581a", "ab", "\u2581ab"],
        [("\u2581", "a"), ("a", "b"), ("\u2581a", "b")]);

    [Test]
    public void SentencePieceStyleMergesAndByteFallback()
    {
        var tokenizer = Load(SentencePieceFiles());
        const int ByteC3 = 3 + 0xC3, ByteA9 = 3 + 0xA9;

        Assert.Multiple(() =>
        {
            // "ab ab" -> ▁ab▁ab -> ▁a b ▁ a b (rank 0, leftmost) -> ▁a b ▁a b -> ▁ab ▁ab (rank 2).
            Assert.That(tokenizer.Encode("ab ab"), Is.EqualTo(new[] { SpaceAb, SpaceAb }));
            // 'é' is in no token: its UTF-8 bytes C3 A9 as byte tokens.
            Assert.That(tokenizer.Encode("é", addSpecial: true), Is.EqualTo(new[] { Bos, Space, ByteC3, ByteA9 }));
            // Decoding drops the prefix space after the BOS that decodes to nothing, as Hugging Face does.
            Assert.That(tokenizer.Decode([Bos, Space, ByteC3, ByteA9]), Is.EqualTo("é"));
            Assert.That(tokenizer.Decode([Bos, SpaceA, B], renderSpecial: true), Is.EqualTo("<s> ab"));
            Assert.That(tokenizer.Decode([A, Space, B]), Is.EqualTo("a b"));
        });
    }

    private static HfTokenizerFiles MetaspaceFiles(bool split) => SentencePieceFiles() with
    {
        Normalizer = null,
        PreTokenizer = Json($"{{'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': {(split ? "true" : "false")}}}"),
        Decoder = Json("{'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': false}"),
    };

    [Test]
    public void MetaspaceWithPrependSchemeFirstPrefixesOnlyTheStartOfTheText()
    {
        var tokenizer = Load(MetaspaceFiles(split: false));
        const int Ab = 263;

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Encode("ab ab"), Is.EqualTo(new[] { SpaceAb, SpaceAb }));
            // After a special token the text is not at the start: no '▁' before it.
            Assert.That(tokenizer.Encode("<s>ab", parseSpecial: true), Is.EqualTo(new[] { Bos, Ab }));
            Assert.That(tokenizer.Decode([SpaceAb, SpaceAb]), Is.EqualTo("ab ab"));
        });
    }

    [Test]
    public void MetaspaceWithSplitStartsAWordAtEveryMarker()
    {
        // With a token "b▁" that merges first, "ab a" -> ▁ab▁a merges across the marker when the
        // text is one word (▁ a b▁ a -> ▁a b▁ a), and cannot when every '▁' starts a word (▁ab | ▁a).
        const int BSpace = 265;
        HfTokenizerFiles WithBSpace(bool split) => MetaspaceFiles(split) with
        {
            Vocab = [.. SentencePieceFiles().Vocab, "b\u2581"],
            Merges = [("b", "\u2581"), .. SentencePieceFiles().Merges],
        };

        Assert.That(Load(WithBSpace(split: false)).Encode("ab a"), Is.EqualTo(new[] { SpaceA, BSpace, A }));
        Assert.That(Load(WithBSpace(split: true)).Encode("ab a"), Is.EqualTo(new[] { SpaceAb, SpaceA }));
    }

    [TestCase(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", Llama3SplitRule.Pattern)]
    [TestCase(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", Gpt2SplitRule.Pattern)]
    public void HuggingFaceRegexesOfLlama3AndGpt2RunOnLlamaCppsScanners(string huggingFace, string llamaCpp)
    {
        Assert.That(HfPreTokenizer.ToLlamaCppPattern(huggingFace), Is.EqualTo(llamaCpp));
    }

    [Test]
    public void AMissingTokenizerJsonIsAClearError()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<ModelFileException>(() => TokenizerFactory.FromHuggingFace(folder.Path));

        Assert.That(error!.FilePath, Is.EqualTo(Path.Combine(folder.Path, "tokenizer.json")));
        Assert.That(error.Message, Does.Contain("has no tokenizer.json"));
    }

    [TestCase("{", "invalid JSON")]
    [TestCase("[]", "expected a JSON object")]
    [TestCase("{'added_tokens': []}", "model is missing")]
    [TestCase("{'model': {'type': 'Unigram', 'vocab': []}}", "model.type 'Unigram' is not supported")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0, 'b': 0}, 'merges': []}}", "gives id 0 to both 'a' and 'b'")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': [['a', 'x']]}, 'decoder': {'type': 'ByteLevel'}, 'pre_tokenizer': {'type': 'ByteLevel'}}", "'x', which is not in the vocabulary")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': [7]}}", "model.merges[0] is 7")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': []}, 'pre_tokenizer': {'type': 'Whitespace'}}", "pre-tokenizer type 'Whitespace' is not supported")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': []}, 'pre_tokenizer': {'type': 'Split', 'pattern': {'Regex': '\\\\p{Greek}'}, 'behavior': 'Isolated'}}", "split regex cannot be run")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': []}, 'pre_tokenizer': {'type': 'ByteLevel'}, 'decoder': {'type': 'ByteLevel'}, 'normalizer': {'type': 'BertNormalizer'}}", "normalizer type 'BertNormalizer' is not supported")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': []}, 'pre_tokenizer': {'type': 'ByteLevel'}, 'decoder': {'type': 'WordPiece'}}", "must have the ByteLevel decoder")]
    [TestCase("{'model': {'type': 'BPE', 'vocab': {'a': 0}, 'merges': []}, 'decoder': {'type': 'Fuse'}}", "must turn '\u2581' back into spaces")]
    public void MalformedOrUnsupportedFilesAreClearErrors(string json, string expected)
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer.json", json.Replace('\'', '"'));

        var error = Assert.Catch<ModelFileException>(() => TokenizerFactory.FromHuggingFace(folder.Path));

        Assert.That(error!.Message, Does.Contain(expected));
        Assert.That(error.FilePath, Does.EndWith("tokenizer.json"));
    }

    [Test]
    public void AConfigBosTokenOutsideTheVocabularyIsAClearError()
    {
        var error = Assert.Throws<ModelFileException>(() => Load(ByteLevelFiles(new JsonObject { ["bos_token"] = "<nope>" })));

        Assert.That(error!.Message, Does.Contain("bos_token '<nope>' is not in the vocabulary"));
    }
}
