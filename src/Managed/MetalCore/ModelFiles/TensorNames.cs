using System.Globalization;

namespace MetalCore.ModelFiles;

/// <summary>
/// The tensor vocabulary: llama.cpp's GGUF names are canonical, and Hugging Face names map to
/// them one to one (for the llama and qwen3 architectures).
/// </summary>
internal static class TensorNames
{
    public const string TokenEmbedding = "token_embd.weight";
    public const string OutputNorm = "output_norm.weight";
    public const string Output = "output.weight";
    public const string RopeFrequencies = "rope_freqs.weight";

    public const string AttentionNorm = "attn_norm";
    public const string Query = "attn_q";
    public const string Key = "attn_k";
    public const string Value = "attn_v";
    public const string AttentionOutput = "attn_output";
    public const string QueryNorm = "attn_q_norm";
    public const string KeyNorm = "attn_k_norm";
    public const string FeedForwardNorm = "ffn_norm";
    public const string Gate = "ffn_gate";
    public const string Up = "ffn_up";
    public const string Down = "ffn_down";

    private const string HfLayerPrefix = "model.layers.";

    private static readonly Dictionary<string, string> s_globalHfToGguf = new(StringComparer.Ordinal)
    {
        ["model.embed_tokens.weight"] = TokenEmbedding,
        ["model.norm.weight"] = OutputNorm,
        ["lm_head.weight"] = Output,
    };

    private static readonly Dictionary<string, string> s_layerHfToGguf = new(StringComparer.Ordinal)
    {
        ["input_layernorm"] = AttentionNorm,
        ["self_attn.q_proj"] = Query,
        ["self_attn.k_proj"] = Key,
        ["self_attn.v_proj"] = Value,
        ["self_attn.o_proj"] = AttentionOutput,
        ["self_attn.q_norm"] = QueryNorm,
        ["self_attn.k_norm"] = KeyNorm,
        ["post_attention_layernorm"] = FeedForwardNorm,
        ["mlp.gate_proj"] = Gate,
        ["mlp.up_proj"] = Up,
        ["mlp.down_proj"] = Down,
    };

    private static readonly Dictionary<string, string> s_layerGgufToHf = s_layerHfToGguf.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> s_globalGgufToHf = s_globalHfToGguf.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>The GGUF name of a per-layer weight, e.g. <c>blk.3.attn_q.weight</c>.</summary>
    public static string Layer(int layer, string role) => string.Create(CultureInfo.InvariantCulture, $"blk.{layer}.{role}.weight");

    /// <summary>The GGUF name of an HF tensor, or null when it has none.</summary>
    public static string? HfToGguf(string hfName)
    {
        if (s_globalHfToGguf.TryGetValue(hfName, out var global))
        {
            return global;
        }
        if (!hfName.StartsWith(HfLayerPrefix, StringComparison.Ordinal) || !hfName.EndsWith(".weight", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = hfName.AsSpan(HfLayerPrefix.Length, hfName.Length - HfLayerPrefix.Length - ".weight".Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var layer)
            || !s_layerHfToGguf.TryGetValue(rest[(dot + 1)..].ToString(), out var role))
        {
            return null;
        }
        return Layer(layer, role);
    }

    /// <summary>The HF name of a GGUF tensor name, or null when HF has no such tensor (rope_freqs).</summary>
    public static string? GgufToHf(string ggufName)
    {
        if (s_globalGgufToHf.TryGetValue(ggufName, out var global))
        {
            return global;
        }
        const string prefix = "blk.";
        if (!ggufName.StartsWith(prefix, StringComparison.Ordinal) || !ggufName.EndsWith(".weight", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = ggufName[prefix.Length..^".weight".Length];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && s_layerGgufToHf.TryGetValue(rest[(dot + 1)..], out var role)
            ? $"{HfLayerPrefix}{rest[..dot]}.{role}.weight"
            : null;
    }
}
