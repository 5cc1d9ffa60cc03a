using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MetalCore.Quantization;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// A tiny random-weight Hugging Face model directory (config.json + safetensors), built in test
/// code: llama or qwen3, single file or sharded, old- or new-style RoPE config, tied or not.
/// </summary>
internal sealed class TinyHfModel
{
    public string ModelType { get; init; } = "llama";
    public int Hidden { get; init; } = 64;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int HeadDim { get; init; } = 16;
    public int Ffn { get; init; } = 96;
    public int Vocab { get; init; } = 48;
    public bool Tied { get; init; }
    public bool Sharded { get; init; }
    public bool NewRopeStyle { get; init; }
    public bool Llama3Scaling { get; init; }
    public double RopeTheta { get; init; } = 500000;
    public string DType { get; init; } = "F32";
    public Action<JsonObject>? EditConfig { get; init; }

    /// <summary>The weights by HF name: values exactly representable in <see cref="DType"/>.</summary>
    public Dictionary<string, (long[] Shape, float[] Values)> Weights { get; } = [];

    public string WriteTo(string directory)
    {
        GenerateWeights();
        File.WriteAllText(Path.Combine(directory, "config.json"), Config().ToJsonString());
        var entries = Weights.Select(w => (w.Key, w.Value.Shape, Bytes: Encode(w.Value.Values))).ToList();
        if (!Sharded)
        {
            var builder = new SafetensorsBuilder();
            entries.ForEach(e => builder.Add(e.Key, DType, e.Shape, e.Bytes));
            File.WriteAllBytes(Path.Combine(directory, "model.safetensors"), builder.ToBytes());
            return directory;
        }
        // Two shards: the first half of the tensors in one, the rest in the other.
        var weightMap = new JsonObject();
        var shards = new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" };
        for (var s = 0; s < 2; s++)
        {
            var builder = new SafetensorsBuilder();
            foreach (var e in entries.Where((_, i) => i * 2 / entries.Count == s))
            {
                builder.Add(e.Key, DType, e.Shape, e.Bytes);
                weightMap[e.Key] = shards[s];
            }
            File.WriteAllBytes(Path.Combine(directory, shards[s]), builder.ToBytes());
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = entries.Sum(e => e.Bytes.Length) }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), index.ToJsonString());
        return directory;
    }

    private JsonObject Config()
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType == "llama" ? "LlamaForCausalLM" : "Qwen3ForCausalLM"),
            ["model_type"] = ModelType,
            ["hidden_size"] = Hidden,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["head_dim"] = HeadDim,
            ["intermediate_size"] = Ffn,
            ["vocab_size"] = Vocab,
            ["rms_norm_eps"] = 1e-6,
            ["max_position_embeddings"] = 4096,
            ["tie_word_embeddings"] = Tied,
            ["hidden_act"] = "silu",
            ["bos_token_id"] = 1,
            ["eos_token_id"] = new JsonArray(2, 3),
        };
        JsonObject? scaling = Llama3Scaling
            ? new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 1024 }
            : null;
        if (NewRopeStyle)
        {
            var parameters = scaling ?? new JsonObject { ["rope_type"] = "default" };
            parameters["rope_theta"] = RopeTheta;
            config["rope_parameters"] = parameters;
        }
        else
        {
            config["rope_theta"] = RopeTheta;
            config["rope_scaling"] = scaling;
        }
        EditConfig?.Invoke(config);
        return config;
    }

    private void GenerateWeights()
    {
        if (Weights.Count > 0)
        {
            return;
        }
        var random = new Random(ModelType.Length * 31 + Hidden);
        void Add(string name, params long[] shape)
        {
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Representable((float)(random.NextDouble() * 2 - 1));
            }
            Weights[name] = (shape, values);
        }
        Add("model.embed_tokens.weight", Vocab, Hidden);
        for (var l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", Hidden);
            Add(p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden);
            Add(p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden);
            Add(p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden);
            Add(p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim);
            if (ModelType == "qwen3")
            {
                Add(p + "self_attn.q_norm.weight", HeadDim);
                Add(p + "self_attn.k_norm.weight", HeadDim);
            }
            Add(p + "post_attention_layernorm.weight", Hidden);
            Add(p + "mlp.gate_proj.weight", Ffn, Hidden);
            Add(p + "mlp.up_proj.weight", Ffn, Hidden);
            Add(p + "mlp.down_proj.weight", Hidden, Ffn);
        }
        Add("model.norm.weight", Hidden);
        if (!Tied)
        {
            Add("lm_head.weight", Vocab, Hidden);
        }
    }

    // Values that survive a round trip through DType unchanged, so tests compare exactly.
    private float Representable(float value) => DType switch
    {
        "BF16" => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) & 0xFFFF_0000),
        "F16" => (float)(Half)value,
        _ => value,
    };

    private byte[] Encode(float[] values)
    {
        if (DType == "F32")
        {
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }
        var type = DType == "BF16" ? MetalCore.ModelFiles.GgmlType.BF16 : MetalCore.ModelFiles.GgmlType.F16;
        var bytes = new byte[values.Length * 2];
        GgmlQuantizer.Quantize(values, type, bytes);
        return bytes;
    }
}
