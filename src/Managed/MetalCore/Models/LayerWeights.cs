using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>The weights of one decoder layer, as views of the mapped weight file.</summary>
internal sealed record LayerWeights
{
    public required TensorView AttentionNorm { get; init; }
    public required TensorView Query { get; init; }
    public required TensorView Key { get; init; }
    public required TensorView Value { get; init; }
    public required TensorView Output { get; init; }
    /// <summary>Qwen3's per-head RMSNorm weights of queries and keys; null for Llama.</summary>
    public TensorView? QueryNorm { get; init; }
    public TensorView? KeyNorm { get; init; }
    public required TensorView FeedForwardNorm { get; init; }
    public required TensorView Gate { get; init; }
    public required TensorView Up { get; init; }
    public required TensorView Down { get; init; }
}

/// <summary>All weights of a model.</summary>
internal sealed record ModelWeights
{
    public required TensorView TokenEmbedding { get; init; }
    public required IReadOnlyList<LayerWeights> Layers { get; init; }
    public required TensorView OutputNorm { get; init; }
    /// <summary>The output projection: the token embedding itself when the model ties them.</summary>
    public required TensorView Output { get; init; }
    /// <summary>Rope frequency factors uploaded to the device, or null.</summary>
    public TensorView? RopeFrequencyFactors { get; init; }

    /// <summary>
    /// Bytes of weights one decode step reads: every layer tensor, the output norm and
    /// projection, and one embedding row (the whole embedding again only as the tied output).
    /// </summary>
    public double DecodeBytes()
    {
        static double Bytes(TensorView? t) => t is { } v ? (double)v.RowBytes * v.Rows : 0;
        var total = Bytes(OutputNorm) + Bytes(Output) + TokenEmbedding.RowBytes;
        foreach (var l in Layers)
        {
            total += Bytes(l.AttentionNorm) + Bytes(l.Query) + Bytes(l.Key) + Bytes(l.Value) + Bytes(l.Output)
                + Bytes(l.QueryNorm) + Bytes(l.KeyNorm) + Bytes(l.FeedForwardNorm) + Bytes(l.Gate) + Bytes(l.Up) + Bytes(l.Down);
        }
        return total;
    }
}
