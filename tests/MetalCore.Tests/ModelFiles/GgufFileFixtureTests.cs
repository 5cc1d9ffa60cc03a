using System.Buffers.Binary;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.ModelFiles;

/// <summary>The real stories260K GGUF parses with the values its README publishes.</summary>
public sealed class GgufFileFixtureTests
{
    private const string Stories = "models/stories260K/stories260K.gguf";

    [Test]
    public void HeaderAndHyperparametersMatchThePublishedValues()
    {
        using var file = GgufFile.Open(Fixtures.Require(Stories));
        Assert.Multiple(() =>
        {
            Assert.That(file.Version, Is.EqualTo(3u));
            Assert.That(file.Alignment, Is.EqualTo(GgufFile.DefaultAlignment));
            Assert.That(file.GetValue("general.architecture").AsString(), Is.EqualTo("llama"));
            Assert.That(file.GetValue("llama.embedding_length").AsInt64(), Is.EqualTo(64));
            Assert.That(file.GetValue("llama.block_count").AsInt64(), Is.EqualTo(5));
            Assert.That(file.GetValue("llama.attention.head_count").AsInt64(), Is.EqualTo(8));
            Assert.That(file.GetValue("llama.attention.head_count_kv").AsInt64(), Is.EqualTo(4));
            Assert.That(file.GetValue("llama.feed_forward_length").AsInt64(), Is.EqualTo(172));
            Assert.That(file.GetValue("llama.rope.dimension_count").AsInt64(), Is.EqualTo(8));
            Assert.That(file.GetValue("llama.attention.layer_norm_rms_epsilon").AsSingle(), Is.EqualTo(1e-5f));
            Assert.That(file.GetValue("tokenizer.ggml.bos_token_id").AsUInt32(), Is.EqualTo(1u));
            Assert.That(file.GetValue("tokenizer.ggml.eos_token_id").AsUInt32(), Is.EqualTo(2u));
            Assert.That(file.GetValue("tokenizer.ggml.model").AsString(), Is.EqualTo("llama"));
        });
    }

    [Test]
    public void VocabularyArraysHaveOneEntryPerToken()
    {
        using var file = GgufFile.Open(Fixtures.Require(Stories));
        var tokens = file.GetValue("tokenizer.ggml.tokens").AsStringArray();
        var scores = file.GetValue("tokenizer.ggml.scores").AsSingleArray();
        var types = file.GetValue("tokenizer.ggml.token_type").AsInt32Array();
        Assert.Multiple(() =>
        {
            Assert.That(tokens, Has.Length.EqualTo(512));
            Assert.That(scores, Has.Length.EqualTo(512));
            Assert.That(types, Has.Length.EqualTo(512));
            // SentencePiece conventions: BOS is "<s>", EOS "</s>", both control tokens (type 3).
            Assert.That(tokens[1], Is.EqualTo("<s>"));
            Assert.That(tokens[2], Is.EqualTo("</s>"));
            Assert.That(types[1], Is.EqualTo(3));
            Assert.That(types[2], Is.EqualTo(3));
            Assert.That(tokens.Distinct().Count(), Is.EqualTo(512), "token strings are unique");
        });
    }

    [Test]
    public void TensorsHaveTheShapesTheHyperparametersImply()
    {
        using var file = GgufFile.Open(Fixtures.Require(Stories));
        const int dim = 64, kvDim = 4 * (64 / 8), ffn = 172, vocab = 512;
        Assert.That(file.Tensors, Has.Count.EqualTo(3 + 5 * 9));
        Assert.Multiple(() =>
        {
            Assert.That(file.GetTensor("token_embd.weight").Dimensions, Is.EqualTo(new long[] { dim, vocab }));
            Assert.That(file.GetTensor("output.weight").Dimensions, Is.EqualTo(new long[] { dim, vocab }));
            Assert.That(file.GetTensor("output_norm.weight").Dimensions, Is.EqualTo(new long[] { dim }));
            for (var layer = 0; layer < 5; layer++)
            {
                Assert.That(file.GetTensor($"blk.{layer}.attn_q.weight").Dimensions, Is.EqualTo(new long[] { dim, dim }));
                Assert.That(file.GetTensor($"blk.{layer}.attn_k.weight").Dimensions, Is.EqualTo(new long[] { dim, kvDim }));
                Assert.That(file.GetTensor($"blk.{layer}.attn_v.weight").Dimensions, Is.EqualTo(new long[] { dim, kvDim }));
                Assert.That(file.GetTensor($"blk.{layer}.ffn_down.weight").Dimensions, Is.EqualTo(new long[] { ffn, dim }));
                Assert.That(file.GetTensor($"blk.{layer}.ffn_up.weight").Dimensions, Is.EqualTo(new long[] { dim, ffn }));
            }
            Assert.That(file.Tensors.Select(t => t.Type).Distinct(), Is.EqualTo(new[] { GgmlType.F32 }));
        });
    }

    [Test]
    public void TensorDataFillsTheFileExactlyAfterTheDataSection()
    {
        var path = Fixtures.Require(Stories);
        using var file = GgufFile.Open(path);
        Assert.Multiple(() =>
        {
            Assert.That(file.DataOffset % file.Alignment, Is.Zero);
            Assert.That(file.Tensors.Sum(t => t.ByteLength), Is.EqualTo(file.Tensors.Sum(t => t.ElementCount) * 4));
            Assert.That(file.Tensors.Max(t => t.FileOffset + t.ByteLength), Is.EqualTo(new FileInfo(path).Length));
        });
    }

    [Test]
    public void TensorBytesAreTheFileBytesAtTheTensorOffset()
    {
        var path = Fixtures.Require(Stories);
        var raw = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        var norm = file.GetTensor("output_norm.weight");
        var bytes = file.GetTensorBytes(norm);
        Assert.That(bytes.ToArray(), Is.EqualTo(raw.AsSpan((int)norm.FileOffset, (int)norm.ByteLength).ToArray()));
        var first = BinaryPrimitives.ReadSingleLittleEndian(bytes);
        Assert.That(float.IsFinite(first) && first != 0, Is.True, "a trained RMSNorm weight is finite and non-zero");
        unsafe
        {
            Assert.That(*(float*)file.GetTensorPointer(norm), Is.EqualTo(first));
        }
    }

    [Test]
    public void AccessAfterDisposeIsRejected()
    {
        var file = GgufFile.Open(Fixtures.Require(Stories));
        var tensor = file.GetTensor("output_norm.weight");
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.GetTensorPointer(tensor));
    }

    [Test]
    public void VocabularyOnlyFileOpensWithItsTokens()
    {
        using var file = GgufFile.Open(Fixtures.Require("tokenizers/ggml-vocab-gpt-2.gguf"));
        var tokens = file.GetValue("tokenizer.ggml.tokens").AsStringArray();
        Assert.Multiple(() =>
        {
            Assert.That(file.Tensors, Is.Empty);
            Assert.That(tokens, Has.Length.EqualTo(50257));
            // The fixture README: GPT-2 tokenizes "Hello world" as 15496 995.
            Assert.That(tokens[15496], Is.EqualTo("Hello"));
            Assert.That(tokens[995], Is.EqualTo("\u0120world"), "GPT-2 byte-level BPE spells a leading space as U+0120");
            Assert.That(file.GetValue("tokenizer.ggml.model").AsString(), Is.EqualTo("gpt2"));
        });
    }
}
