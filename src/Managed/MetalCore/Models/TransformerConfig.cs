using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>The decoder architectures MetalCore runs.</summary>
public enum ModelArchitecture
{
    /// <summary>Llama 1/2/3 (and TinyStories' llama2.c models).</summary>
    Llama,
    /// <summary>Qwen3: Llama plus RMSNorm of each query and key head, and an explicit head size.</summary>
    Qwen3,
}

/// <summary>
/// The shape of a decoder-only transformer, as the compute graph needs it (file formats map
/// their own keys onto it).
/// </summary>
public sealed record TransformerConfig
{
    /// <summary>The architecture, which decides the per-layer ops.</summary>
    public required ModelArchitecture Architecture { get; init; }
    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Number of decoder layers.</summary>
    public required int Layers { get; init; }
    /// <summary>Query heads.</summary>
    public required int Heads { get; init; }
    /// <summary>Key/value heads (fewer than <see cref="Heads"/>: GQA; one: MQA).</summary>
    public required int KvHeads { get; init; }
    /// <summary>Size of one head (Qwen3 sets it apart from HiddenSize / Heads).</summary>
    public required int HeadDim { get; init; }
    /// <summary>Width of the SwiGLU feed-forward layer.</summary>
    public required int FeedForwardSize { get; init; }
    /// <summary>Vocabulary size (rows of the embedding and output matrices).</summary>
    public required int VocabularySize { get; init; }
    /// <summary>Longest context the model was trained for.</summary>
    public required int TrainedContextLength { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEps { get; init; }
    /// <summary>RoPE base frequency (theta).</summary>
    public required float RopeTheta { get; init; }
    /// <summary>Leading dimensions of each head that rotate (the rest pass through).</summary>
    public required int RopeDims { get; init; }
    /// <summary>Pair layout of the rotation, fixed by how the weights were stored.</summary>
    public required RopeLayout RopeLayout { get; init; }
    /// <summary>Per-frequency divisors of the rotation angles (Llama 3 scaling), or null.</summary>
    public float[]? RopeFrequencyFactors { get; init; }

    /// <summary>Width of the query projection (Heads × HeadDim).</summary>
    public int QueryWidth => Heads * HeadDim;

    /// <summary>Width of the key and value projections (KvHeads × HeadDim).</summary>
    public int KeyValueWidth => KvHeads * HeadDim;
}
