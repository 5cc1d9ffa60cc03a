using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetalCore.Conversion;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Quantization;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Conversion;

/// <summary>
/// What the converter writes, checked against llama.cpp's conventions (keys, tensor names and
/// types, q/k permutation) and the tokenizer against the ids Hugging Face tokenizers produced.
/// </summary>
public sealed class HfToGgufConverterTests
{
    private static string DemoModelFiles => Path.Combine(Fixtures.RepositoryRoot, "tools", "demo-model", "out");

    private static GgufFile Convert(TinyHfModel model, TempFolder folder, GgmlType type)
    {
        var directory = Directory.CreateDirectory(folder.File("hf")).FullName;
        model.WriteTo(directory);
        var output = folder.File("out.gguf");
        HfToGgufConverter.Convert(directory, output, type);
        return GgufFile.Open(output);
    }

    [Test]
    public void LlamaMetadataAndTensorsFollowLlamaCpp()
    {
        using var folder = new TempFolder();
        using var gguf = Convert(new TinyHfModel { Llama3Scaling = true, NewRopeStyle = true }, folder, GgmlType.Q8_0);
        Assert.Multiple(() =>
        {
            Assert.That(gguf.GetValue("general.architecture").AsString(), Is.EqualTo("llama"));
            Assert.That(gguf.GetValue("general.file_type").AsUInt32(), Is.EqualTo(7u), "LLAMA_FTYPE_MOSTLY_Q8_0");
            Assert.That(gguf.GetValue("llama.block_count").AsUInt32(), Is.EqualTo(2u));
            Assert.That(gguf.GetValue("llama.embedding_length").AsUInt32(), Is.EqualTo(64u));
            Assert.That(gguf.GetValue("llama.feed_forward_length").AsUInt32(), Is.EqualTo(96u));
            Assert.That(gguf.GetValue("llama.attention.head_count").AsUInt32(), Is.EqualTo(4u));
            Assert.That(gguf.GetValue("llama.attention.head_count_kv").AsUInt32(), Is.EqualTo(2u));
            Assert.That(gguf.GetValue("llama.attention.key_length").AsUInt32(), Is.EqualTo(16u));
            Assert.That(gguf.GetValue("llama.rope.dimension_count").AsUInt32(), Is.EqualTo(16u));
            Assert.That(gguf.GetValue("llama.rope.freq_base").AsSingle(), Is.EqualTo(500000f));
            Assert.That(gguf.GetValue("llama.attention.layer_norm_rms_epsilon").AsSingle(), Is.EqualTo(1e-6f));
            Assert.That(gguf.GetValue("llama.context_length").AsUInt32(), Is.EqualTo(4096u));
            Assert.That(gguf.ContainsKey("tokenizer.ggml.model"), Is.False, "no tokenizer.json, no tokenizer");
        });
        var types = gguf.Tensors.ToDictionary(t => t.Name, t => t.Type);
        Assert.Multiple(() =>
        {
            Assert.That(types["blk.1.attn_norm.weight"], Is.EqualTo(GgmlType.F32), "norms stay F32");
            Assert.That(types["blk.1.ffn_norm.weight"], Is.EqualTo(GgmlType.F32));
            Assert.That(types["output_norm.weight"], Is.EqualTo(GgmlType.F32));
            Assert.That(types["rope_freqs.weight"], Is.EqualTo(GgmlType.F32));
            Assert.That(types["token_embd.weight"], Is.EqualTo(GgmlType.Q8_0));
            Assert.That(types["blk.0.attn_q.weight"], Is.EqualTo(GgmlType.Q8_0));
            Assert.That(types["output.weight"], Is.EqualTo(GgmlType.Q8_0));
            Assert.That(gguf.GetTensor("blk.0.ffn_down.weight").Dimensions, Is.EqualTo(new long[] { 96, 64 }), "innermost first");
            Assert.That(types, Has.Count.EqualTo(1 + 1 + 2 * 9 + 2), "rope_freqs, embedding, 9 per layer, norm, output");
        });
    }

    [Test]
    public void LlamaQueryAndKeyRowsArePermutedAsLlamaCppDoes()
    {
        using var folder = new TempFolder();
        var tiny = new TinyHfModel();
        using var gguf = Convert(tiny, folder, GgmlType.F32);
        foreach (var (hfName, ggufName, heads) in new[] { ("self_attn.q_proj", "attn_q", 4), ("self_attn.k_proj", "attn_k", 2) })
        {
            var source = tiny.Weights[$"model.layers.1.{hfName}.weight"].Values;
            var written = MemoryMarshal.Cast<byte, float>(gguf.GetTensorBytes(gguf.GetTensor($"blk.1.{ggufName}.weight"))).ToArray();
            // convert_hf_to_gguf.py: w.reshape(n_head, 2, d/2, cols).swapaxes(1, 2).reshape(w.shape)
            const int d = 16, cols = 64;
            for (var h = 0; h < heads; h++)
            {
                for (var half = 0; half < 2; half++)
                {
                    for (var i = 0; i < d / 2; i++)
                    {
                        var from = h * d + half * (d / 2) + i;
                        var to = h * d + i * 2 + half;
                        Assert.That(written.AsSpan(to * cols, cols).ToArray(), Is.EqualTo(source.AsSpan(from * cols, cols).ToArray()), $"{ggufName} row {to}");
                    }
                }
            }
        }
        // Values are not permuted.
        Assert.That(MemoryMarshal.Cast<byte, float>(gguf.GetTensorBytes(gguf.GetTensor("blk.0.attn_v.weight"))).ToArray(),
            Is.EqualTo(tiny.Weights["model.layers.0.self_attn.v_proj.weight"].Values));
    }

    [Test]
    public void Qwen3KeepsRowOrderAndHalfPrecisionIsCopiedBitForBit()
    {
        using var folder = new TempFolder();
        var tiny = new TinyHfModel { ModelType = "qwen3", DType = "F16", Tied = true };
        using var gguf = Convert(tiny, folder, GgmlType.F16);
        Assert.That(gguf.GetValue("general.architecture").AsString(), Is.EqualTo("qwen3"));
        Assert.That(gguf.TryGetTensor("output.weight", out _), Is.False, "tied: llama.cpp uses token_embd");
        var written = new float[64 * 64];
        GgmlQuantizerDecode(gguf, "blk.0.attn_q.weight", written);
        Assert.That(written, Is.EqualTo(tiny.Weights["model.layers.0.self_attn.q_proj.weight"].Values));
        var qNorm = gguf.GetTensor("blk.0.attn_q_norm.weight");
        Assert.That(qNorm.Type, Is.EqualTo(GgmlType.F32));
        Assert.That(MemoryMarshal.Cast<byte, float>(gguf.GetTensorBytes(qNorm)).ToArray(), Is.EqualTo(tiny.Weights["model.layers.0.self_attn.q_norm.weight"].Values));
    }

    private static void GgmlQuantizerDecode(GgufFile gguf, string name, float[] values)
    {
        var tensor = gguf.GetTensor(name);
        Assert.That(tensor.Type, Is.EqualTo(GgmlType.F16));
        GgmlQuantizer.Dequantize(gguf.GetTensorBytes(tensor), tensor.Type, values);
    }

    /// <summary>A tiny model with the demo model's tokenizer files (committed beside its reference record).</summary>
    private static GgufFile ConvertWithDemoTokenizer(TempFolder folder, Action<string>? edit = null)
    {
        var directory = Directory.CreateDirectory(folder.File("hf")).FullName;
        new TinyHfModel { Vocab = 2040, Layers = 1 }.WriteTo(directory);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(DemoModelFiles, file), Path.Combine(directory, file));
        }
        edit?.Invoke(directory);
        var output = folder.File("out.gguf");
        HfToGgufConverter.Convert(directory, output, GgmlType.F32);
        return GgufFile.Open(output);
    }

    [Test]
    public void TokenizerMetadataEncodesLikeHuggingFaceTokenizers()
    {
        using var folder = new TempFolder();
        using var gguf = ConvertWithDemoTokenizer(folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(DemoModelFiles, "tokenizer_config.json")))!;
        Assert.Multiple(() =>
        {
            Assert.That(gguf.GetValue("tokenizer.ggml.model").AsString(), Is.EqualTo("gpt2"));
            Assert.That(gguf.GetValue("tokenizer.ggml.pre").AsString(), Is.EqualTo("gpt-2"));
            Assert.That(gguf.GetValue("tokenizer.ggml.bos_token_id").AsUInt32(), Is.EqualTo(0u));
            Assert.That(gguf.GetValue("tokenizer.ggml.eos_token_id").AsUInt32(), Is.EqualTo(1u));
            Assert.That(gguf.GetValue("tokenizer.ggml.padding_token_id").AsUInt32(), Is.EqualTo(2u));
            Assert.That(gguf.GetValue("tokenizer.ggml.add_bos_token").AsBoolean(), Is.True);
            Assert.That(gguf.GetValue("tokenizer.ggml.add_eos_token").AsBoolean(), Is.False);
            Assert.That(gguf.ContainsKey("tokenizer.ggml.unknown_token_id"), Is.False, "unk_token is null");
            Assert.That(gguf.GetValue("tokenizer.chat_template").AsString(), Is.EqualTo(config["chat_template"]!.GetValue<string>()));
            Assert.That(gguf.GetValue("tokenizer.ggml.tokens").AsStringArray(), Has.Length.EqualTo(2040));
            Assert.That(gguf.GetValue("tokenizer.ggml.merges").AsStringArray()[0], Is.EqualTo("Ġ t"));
            Assert.That(gguf.GetValue("tokenizer.ggml.token_type").AsInt32Array()[..4], Is.EqualTo(new[] { 3, 3, 3, 1 }), "specials are control tokens");
        });

        // The ids Hugging Face tokenizers gave the demo model's prompts (train.py's record).
        var tokenizer = TokenizerFactory.FromGguf(gguf);
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DemoModelFiles, "reference.json")));
        foreach (var greedy in reference.RootElement.GetProperty("greedy").EnumerateArray())
        {
            var expected = greedy.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.That(tokenizer.Encode(greedy.GetProperty("prompt").GetString()!, addSpecial: true), Is.EqualTo(expected));
        }
    }

    [Test]
    public void UnsupportedTokenizerIsNamedAndNoFileIsLeft()
    {
        using var folder = new TempFolder();
        var error = Assert.Catch<UnsupportedModelException>(() => ConvertWithDemoTokenizer(folder, directory =>
        {
            var path = Path.Combine(directory, "tokenizer.json");
            var json = JsonNode.Parse(File.ReadAllText(path))!;
            json["model"]!["type"] = "Unigram";
            File.WriteAllText(path, json.ToJsonString());
        }).Dispose())!;
        Assert.That(error.Message, Does.Contain("tokenizer.json: 'model.type' is 'Unigram'"));
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty, "no output, not even a partial one");
    }

    [Test]
    public void UnrecognizedPreTokenizerIsNamed()
    {
        using var folder = new TempFolder();
        var error = Assert.Catch<UnsupportedModelException>(() => ConvertWithDemoTokenizer(folder, directory =>
        {
            var path = Path.Combine(directory, "tokenizer.json");
            var json = JsonNode.Parse(File.ReadAllText(path))!;
            json["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" };
            File.WriteAllText(path, json.ToJsonString());
        }).Dispose())!;
        Assert.That(error.Message, Does.Contain("'pre_tokenizer' {\"type\":\"Whitespace\"} is not one llama.cpp names"));
    }

    [Test]
    public void UnsupportedArchitectureAndBadInputsAreNamed()
    {
        using var folder = new TempFolder();
        var directory = Directory.CreateDirectory(folder.File("hf")).FullName;
        new TinyHfModel { EditConfig = c => c["model_type"] = "gemma2" }.WriteTo(directory);
        var output = folder.File("out.gguf");
        var error = Assert.Catch<UnsupportedModelException>(() => HfToGgufConverter.Convert(directory, output, GgmlType.F16))!;
        Assert.That(error.Message, Does.Contain("config.json: unsupported architecture: model_type 'gemma2'"));
        Assert.That(File.Exists(output), Is.False);
        Assert.That(Assert.Catch<ModelFileException>(() => HfToGgufConverter.Convert(output, folder.File("x.gguf"), GgmlType.F16))!.Message,
            Does.Contain("not a directory"));
        Assert.That(Assert.Catch<ArgumentException>(() => HfToGgufConverter.Convert(directory, output, GgmlType.Q5_0))!.Message,
            Does.Contain("cannot convert to Q5_0"));
    }
}
