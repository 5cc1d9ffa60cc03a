using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// The exact shapes of common models (from their published config.json files), for synthetic
/// benchmarks that need no download.
/// </summary>
public static class SyntheticShapes
{
    private static readonly Dictionary<string, TransformerConfig> s_shapes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SmolLM2-135M"] = Llama(hidden: 576, layers: 30, heads: 9, kvHeads: 3, headDim: 64, ffn: 1536, vocab: 49152, theta: 100000, context: 8192),
        ["Qwen3-0.6B"] = Qwen3(hidden: 1024, layers: 28, heads: 16, kvHeads: 8, ffn: 3072),
        ["Qwen3-1.7B"] = Qwen3(hidden: 2048, layers: 28, heads: 16, kvHeads: 8, ffn: 6144),
        ["Qwen3-4B"] = Qwen3(hidden: 2560, layers: 36, heads: 32, kvHeads: 8, ffn: 9728),
        ["Llama-3.2-1B"] = Llama32(hidden: 2048, layers: 16, heads: 32, headDim: 64),
        ["Llama-3.2-3B"] = Llama32(hidden: 3072, layers: 28, heads: 24, headDim: 128),
    };

    /// <summary>The names of the known shapes.</summary>
    public static IReadOnlyCollection<string> Names => s_shapes.Keys;

    /// <summary>The shape called <paramref name="name"/> (case-insensitive).</summary>
    public static TransformerConfig Get(string name) => s_shapes.TryGetValue(name, out var config)
        ? config
        : throw new ArgumentException($"Unknown model shape '{name}'; known shapes: {string.Join(", ", s_shapes.Keys)}.", nameof(name));

    private static TransformerConfig Llama(int hidden, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab, float theta, int context) => new()
    {
        Architecture = ModelArchitecture.Llama,
        HiddenSize = hidden,
        Layers = layers,
        Heads = heads,
        KvHeads = kvHeads,
        HeadDim = headDim,
        FeedForwardSize = ffn,
        VocabularySize = vocab,
        TrainedContextLength = context,
        RmsNormEps = 1e-5f,
        RopeTheta = theta,
        RopeDims = headDim,
        RopeLayout = RopeLayout.NeoX,
    };

    // Qwen3 dense models: head_dim 128, vocabulary 151936, theta 1e6, eps 1e-6, 40960 positions.
    private static TransformerConfig Qwen3(int hidden, int layers, int heads, int kvHeads, int ffn) =>
        Llama(hidden, layers, heads, kvHeads, headDim: 128, ffn, vocab: 151936, theta: 1_000_000, context: 40960) with
        {
            Architecture = ModelArchitecture.Qwen3,
            RmsNormEps = 1e-6f,
        };

    // Llama 3.2: 8 KV heads, FFN 8192, vocabulary 128256, theta 500000, llama3 rope scaling
    // (factor 32, low 1, high 4, original context 8192).
    private static TransformerConfig Llama32(int hidden, int layers, int heads, int headDim)
    {
        var config = Llama(hidden, layers, heads, kvHeads: 8, headDim, ffn: 8192, vocab: 128256, theta: 500000, context: 131072);
        return config with
        {
            RopeFrequencyFactors = RopeScaling.Llama3Factors(config.RopeTheta, headDim, 32, 1, 4, 8192),
        };
    }
}
