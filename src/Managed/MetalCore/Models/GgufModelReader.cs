using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// Maps a GGUF file's llama.cpp metadata keys and tensor names onto <see cref="TransformerConfig"/>
/// and device views of its weights (zero-copy where the backend shares host memory).
/// </summary>
internal static class GgufModelReader
{
    public static TransformerConfig ReadConfig(GgufFile file)
    {
        var arch = file.GetValue("general.architecture").AsString();
        var architecture = arch switch
        {
            "llama" => ModelArchitecture.Llama,
            "qwen3" => ModelArchitecture.Qwen3,
            _ => throw new UnsupportedModelException(file.FilePath,
                $"general.architecture is '{arch}'; MetalCore runs 'llama' and 'qwen3'"),
        };
        int Int(string key, int? fallback = null) =>
            file.TryGetValue($"{arch}.{key}", out var v) ? v.AsInt32()
            : fallback ?? throw new ModelFileException(file.FilePath, $"metadata key '{arch}.{key}' is missing");
        float Float(string key, float? fallback = null) =>
            file.TryGetValue($"{arch}.{key}", out var v) ? v.AsSingle()
            : fallback ?? throw new ModelFileException(file.FilePath, $"metadata key '{arch}.{key}' is missing");

        var hidden = Int("embedding_length");
        var heads = Int("attention.head_count");
        var headDim = Int("attention.key_length", hidden / heads);
        var embedding = file.GetTensor("token_embd.weight");
        return new TransformerConfig
        {
            Architecture = architecture,
            HiddenSize = hidden,
            Layers = Int("block_count"),
            Heads = heads,
            KvHeads = Int("attention.head_count_kv", heads),
            HeadDim = headDim,
            FeedForwardSize = Int("feed_forward_length"),
            VocabularySize = (int)embedding.Dimensions[^1],
            TrainedContextLength = Int("context_length"),
            RmsNormEps = Float("attention.layer_norm_rms_epsilon"),
            RopeTheta = Float("rope.freq_base", 10000f),
            RopeDims = Int("rope.dimension_count", headDim),
            // llama.cpp's converter permutes llama's q/k rows for interleaved pairs; qwen3 keeps
            // Hugging Face's halves (NeoX).
            RopeLayout = architecture == ModelArchitecture.Llama ? RopeLayout.Interleaved : RopeLayout.NeoX,
        };
    }

    /// <summary>Views of every weight, in one buffer wrapping the file's tensor data.</summary>
    public static unsafe ModelWeights ReadWeights(GgufFile file, TransformerConfig config, ComputeContext context, OwnedTensors owned)
    {
        var dataStart = file.DataOffset;
        var data = owned.Adopt(context.WrapHost((byte*)file.BaseAddress + dataStart, (ulong)(file.FileLength - dataStart)));

        TensorView? Optional(string name, long rows, long cols)
        {
            if (!file.TryGetTensor(name, out var tensor))
            {
                return null;
            }
            var dims = tensor.Dimensions;
            var actualRows = dims.Count > 1 ? dims[1] : 1;
            if (dims[0] != cols || actualRows != rows || dims.Count > 2)
            {
                throw new ModelFileException(file.FilePath,
                    $"tensor '{name}' has shape [{string.Join(", ", dims)}]; expected [{cols}, {rows}] (GGUF order: columns first)");
            }
            if (!GgmlTypeTraits.IsSupported(tensor.Type))
            {
                throw new UnsupportedModelException(file.FilePath, $"tensor '{name}' has type {tensor.Type}, which MetalCore does not compute with");
            }
            return data.View(tensor.Type, (int)rows, (int)cols, (ulong)tensor.Offset);
        }
        TensorView Required(string name, long rows, long cols) =>
            Optional(name, rows, cols) ?? throw new ModelFileException(file.FilePath, $"tensor '{name}' is missing");

        var layers = new LayerWeights[config.Layers];
        for (var i = 0; i < config.Layers; i++)
        {
            var p = $"blk.{i}.";
            var qwen3 = config.Architecture == ModelArchitecture.Qwen3;
            layers[i] = new LayerWeights
            {
                AttentionNorm = Required(p + "attn_norm.weight", 1, config.HiddenSize),
                Query = Required(p + "attn_q.weight", config.QueryWidth, config.HiddenSize),
                Key = Required(p + "attn_k.weight", config.KeyValueWidth, config.HiddenSize),
                Value = Required(p + "attn_v.weight", config.KeyValueWidth, config.HiddenSize),
                Output = Required(p + "attn_output.weight", config.HiddenSize, config.QueryWidth),
                QueryNorm = qwen3 ? Required(p + "attn_q_norm.weight", 1, config.HeadDim) : null,
                KeyNorm = qwen3 ? Required(p + "attn_k_norm.weight", 1, config.HeadDim) : null,
                FeedForwardNorm = Required(p + "ffn_norm.weight", 1, config.HiddenSize),
                Gate = Required(p + "ffn_gate.weight", config.FeedForwardSize, config.HiddenSize),
                Up = Required(p + "ffn_up.weight", config.FeedForwardSize, config.HiddenSize),
                Down = Required(p + "ffn_down.weight", config.HiddenSize, config.FeedForwardSize),
            };
        }
        var embedding = Required("token_embd.weight", config.VocabularySize, config.HiddenSize);
        return new ModelWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = Required("output_norm.weight", 1, config.HiddenSize),
            // No output.weight: the model ties its output projection to the embedding.
            Output = Optional("output.weight", config.VocabularySize, config.HiddenSize) ?? embedding,
            RopeFrequencyFactors = Optional("rope_freqs.weight", 1, config.RopeDims / 2),
        };
    }
}
