using MetalCore.Models;

namespace MetalCore.ModelFiles.Gguf;

/// <summary>Reads a model's architecture and hyperparameters from GGUF metadata, with llama.cpp's keys and defaults.</summary>
internal static class GgufModelReader
{
    public const string ArchitectureKey = "general.architecture";
    private const double DefaultRopeTheta = 10000;

    public static ModelArchitecture ReadArchitecture(GgufFile file)
    {
        var name = file.GetValue(ArchitectureKey).AsString();
        return ModelArchitectureNames.TryParse(name)
            ?? throw new UnsupportedModelException(file.FilePath, $"unsupported architecture '{name}' (supported: {ModelArchitectureNames.Supported})");
    }

    public static ModelHyperparameters ReadHyperparameters(GgufFile file, ModelArchitecture architecture)
    {
        var prefix = ModelArchitectureNames.GgufName(architecture) + ".";
        int Required(string key) => file.GetValue(prefix + key).AsInt32();
        int? Optional(string key) => file.TryGetValue(prefix + key, out var value) ? value.AsInt32() : null;

        var hidden = Required("embedding_length");
        var heads = Required("attention.head_count");
        var headDimension = Optional("attention.key_length") ?? (heads > 0 ? hidden / heads : 0);
        var valueLength = Optional("attention.value_length") ?? headDimension;
        if (valueLength != headDimension)
        {
            throw new UnsupportedModelException(file.FilePath,
                $"'{prefix}attention.value_length' {valueLength} differs from the key length {headDimension}: not supported");
        }
        RejectRopeScaling(file, prefix);
        return new ModelHyperparameters
        {
            HiddenSize = hidden,
            LayerCount = Required("block_count"),
            HeadCount = heads,
            KeyValueHeadCount = Optional("attention.head_count_kv") ?? heads,
            HeadDimension = headDimension,
            FeedForwardSize = Required("feed_forward_length"),
            VocabularySize = Optional("vocab_size") ?? VocabularySizeFromFile(file),
            RopeDimensions = Optional("rope.dimension_count") ?? headDimension,
            RopeTheta = file.TryGetValue(prefix + "rope.freq_base", out var theta) ? theta.AsDouble() : DefaultRopeTheta,
            RmsNormEpsilon = file.GetValue(prefix + "attention.layer_norm_rms_epsilon").AsSingle(),
            ContextLength = Required("context_length"),
            TiedEmbeddings = !file.TryGetTensor(TensorNames.Output, out _),
            BosTokenId = TokenId(file, "tokenizer.ggml.bos_token_id"),
            EosTokenIds = TokenId(file, "tokenizer.ggml.eos_token_id") is { } eos ? [eos] : [],
        };
    }

    // llama.cpp takes the vocabulary size from the token list; a file without one (weights only)
    // still has the embedding's rows.
    private static int VocabularySizeFromFile(GgufFile file)
    {
        if (file.TryGetValue("tokenizer.ggml.tokens", out var tokens))
        {
            return tokens.Type == GgufValueType.Array
                ? (int)Math.Min(tokens.ArrayLength, int.MaxValue)
                : throw new ModelFileException(file.FilePath, $"metadata key 'tokenizer.ggml.tokens' has type {tokens.Type}, expected an array of strings");
        }
        return file.TryGetTensor(TensorNames.TokenEmbedding, out var embedding) && embedding.Dimensions.Count == 2
            ? (int)Math.Min(embedding.Dimensions[1], int.MaxValue)
            : 0;
    }

    // Only llama3-style scaling (stored as rope_freqs.weight) is supported; linear or YaRN
    // scaling would silently change the model's positions if ignored.
    private static void RejectRopeScaling(GgufFile file, string prefix)
    {
        var key = prefix + "rope.scaling.type";
        if (file.TryGetValue(key, out var type) && type.AsString() is var name && name != "none")
        {
            throw new UnsupportedModelException(file.FilePath, $"'{key}' is '{name}': only unscaled RoPE and Llama 3 frequency factors (rope_freqs.weight) are supported");
        }
    }

    // Token ids are UInt32 in llama.cpp's files; "no token" is sometimes written as -1 / UInt32.MaxValue.
    private static int? TokenId(GgufFile file, string key)
    {
        if (!file.TryGetValue(key, out var value))
        {
            return null;
        }
        var id = value.AsInt64();
        return id is >= 0 and < int.MaxValue ? (int)id : null;
    }
}
