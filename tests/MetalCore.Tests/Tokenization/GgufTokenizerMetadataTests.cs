using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Tests.ModelFiles;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Tokenizers from hand-built GGUF metadata: BOS/EOS rules (llama.cpp's defaults per tokenizer
/// model and pre-tokenizer, overridden by <c>tokenizer.ggml.add_bos_token</c> /
/// <c>add_eos_token</c>), and the errors for missing or unknown settings.
/// </summary>
[TestFixture]
public class GgufTokenizerMetadataTests
{
    private const uint Magic = 0x46554747;
    private const uint StringType = 8, ArrayType = 9, BoolType = 7, UInt32Type = 4, Float32Type = 6, Int32Type = 5;

    /// <summary>A SentencePiece-style vocabulary: ▁ab merges as ▁a + b (scores), no byte tokens.</summary>
    private static readonly string[] s_spmTokens = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "\u2581ab"];
    private const int Unk = 0, Bos = 1, Eos = 2, SpaceAb = 8;

    /// <summary>A byte-level vocabulary with one merge and a control token.</summary>
    private static readonly string[] s_bpeTokens = ["a", "b", "ab", "<|bos|>"];

    private sealed class Metadata
    {
        private readonly RawBytes _entries = new();

        public int Count { get; private set; }

        public Metadata String(string key, string value) => Add(key, StringType, b => b.Str(value));
        public Metadata Bool(string key, bool value) => Add(key, BoolType, b => b.U8(value ? (byte)1 : (byte)0));
        public Metadata UInt32(string key, uint value) => Add(key, UInt32Type, b => b.U32(value));
        public Metadata Strings(string key, string[] values) => Add(key, ArrayType, b => values.Aggregate(b.U32(StringType).U64((ulong)values.Length), (w, v) => w.Str(v)));
        public Metadata Floats(string key, float[] values) => Add(key, ArrayType, b => values.Aggregate(b.U32(Float32Type).U64((ulong)values.Length), (w, v) => w.F32(v)));
        public Metadata Ints(string key, int[] values) => Add(key, ArrayType, b => values.Aggregate(b.U32(Int32Type).U64((ulong)values.Length), (w, v) => w.I32(v)));

        public byte[] ToGguf() => new RawBytes().U32(Magic).U32(3).U64(0).U64((ulong)Count).Bytes(_entries.ToArray()).ToArray();

        private Metadata Add(string key, uint type, Func<RawBytes, RawBytes> value)
        {
            value(_entries.Str(key).U32(type));
            Count++;
            return this;
        }
    }

    private static Metadata SentencePiece() => new Metadata()
        .String("tokenizer.ggml.model", "llama")
        .Strings("tokenizer.ggml.tokens", s_spmTokens)
        .Floats("tokenizer.ggml.scores", [0, 0, 0, -1, -1, -1, -2, -3, -4])
        .Ints("tokenizer.ggml.token_type", [2, 3, 3, 1, 1, 1, 1, 1, 1]);

    private static Metadata BytePair(string? pre) =>
        (pre is null ? new Metadata() : new Metadata().String("tokenizer.ggml.pre", pre))
            .String("tokenizer.ggml.model", "gpt2")
            .Strings("tokenizer.ggml.tokens", s_bpeTokens)
            .Ints("tokenizer.ggml.token_type", [1, 1, 1, 3])
            .Strings("tokenizer.ggml.merges", ["a b"])
            .UInt32("tokenizer.ggml.bos_token_id", 3);

    private static Tokenizer Load(Metadata metadata)
    {
        using var folder = new TempFolder();
        using var file = GgufFile.Open(folder.Write("vocab.gguf", metadata.ToGguf()));
        return TokenizerFactory.FromGguf(file);
    }

    [Test]
    public void SentencePieceVocabulariesAddBosButNotEosUnlessTheMetadataSaysOtherwise()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Load(SentencePiece()).Encode("ab", addSpecial: true), Is.EqualTo(new[] { Bos, SpaceAb }));
            Assert.That(Load(SentencePiece().Bool("tokenizer.ggml.add_bos_token", false)).Encode("ab", addSpecial: true), Is.EqualTo(new[] { SpaceAb }));
            Assert.That(Load(SentencePiece().Bool("tokenizer.ggml.add_eos_token", true)).Encode("ab", addSpecial: true), Is.EqualTo(new[] { Bos, SpaceAb, Eos }));
            Assert.That(Load(SentencePiece()).Encode("ab", addSpecial: false), Is.EqualTo(new[] { SpaceAb }));
        });
    }

    [Test]
    public void ACharacterWithoutTokenOrByteTokensIsUnknown()
    {
        Assert.That(Load(SentencePiece()).Encode("abc"), Is.EqualTo(new[] { SpaceAb, Unk }));
    }

    [TestCase("llama-bpe", true)]
    [TestCase("llama3", true)]
    [TestCase("qwen2", false)]
    [TestCase("gpt-2", false)]
    [TestCase(null, false)]
    public void BytePairVocabulariesAddBosAsTheirPreTokenizerDoesInLlamaCpp(string? pre, bool addsBos)
    {
        var tokenizer = Load(BytePair(pre));

        Assert.That(tokenizer.AddsBosToken, Is.EqualTo(addsBos));
        Assert.That(tokenizer.Encode("ab", addSpecial: true), Is.EqualTo(addsBos ? new[] { 3, 2 } : new[] { 2 }));
    }

    [Test]
    public void TheAddBosKeyOverridesThePreTokenizerDefault()
    {
        Assert.That(Load(BytePair("llama-bpe").Bool("tokenizer.ggml.add_bos_token", false)).AddsBosToken, Is.False);
        Assert.That(Load(BytePair("qwen2").Bool("tokenizer.ggml.add_bos_token", true)).AddsBosToken, Is.True);
    }

    [Test]
    public void AnUnknownPreTokenizerIsAClearError()
    {
        var error = Assert.Throws<UnsupportedModelException>(() => Load(BytePair("no-such-pre")));

        Assert.That(error!.FilePath, Does.EndWith("vocab.gguf"));
        Assert.That(error.Message, Does.Contain("'no-such-pre'").And.Contain("tokenizer.ggml.pre"));
    }

    [Test]
    public void AnUnknownTokenizerModelIsAClearError()
    {
        var metadata = new Metadata().String("tokenizer.ggml.model", "bert").Strings("tokenizer.ggml.tokens", ["a"]);

        var error = Assert.Throws<UnsupportedModelException>(() => Load(metadata));

        Assert.That(error!.Message, Does.Contain("Tokenizer model 'bert'"));
    }

    [Test]
    public void AFileWithoutTokenizerIsAClearError()
    {
        var error = Assert.Throws<ModelFileException>(() => Load(new Metadata().String("general.architecture", "llama")));

        Assert.That(error!.Message, Does.Contain("no tokenizer.ggml.model"));
    }

    [Test]
    public void AskingForBosWithoutABosTokenIsAClearError()
    {
        var metadata = new Metadata()
            .String("tokenizer.ggml.model", "gpt2")
            .Strings("tokenizer.ggml.tokens", s_bpeTokens)
            .Strings("tokenizer.ggml.merges", ["a b"])
            .Bool("tokenizer.ggml.add_bos_token", true);

        var error = Assert.Throws<ModelFileException>(() => Load(metadata));

        Assert.That(error!.Message, Does.Contain("BOS"));
    }
}
