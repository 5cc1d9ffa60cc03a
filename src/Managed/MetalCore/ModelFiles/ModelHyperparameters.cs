namespace MetalCore.ModelFiles;

/// <summary>The sizes and constants of a Llama-family transformer, whichever file format they came from.</summary>
internal sealed record ModelHyperparameters
{
    /// <summary>The residual stream width (embedding length).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>The number of transformer blocks.</summary>
    public required int LayerCount { get; init; }

    /// <summary>Attention (query) heads per layer.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Key/value heads per layer (fewer than <see cref="HeadCount"/> with grouped-query attention).</summary>
    public required int KeyValueHeadCount { get; init; }

    /// <summary>The width of one attention head (keys, queries and values alike).</summary>
    public required int HeadDimension { get; init; }

    /// <summary>The hidden width of the SwiGLU feed-forward block.</summary>
    public required int FeedForwardSize { get; init; }

    /// <summary>The number of rows of the token embedding (and of the output projection).</summary>
    public required int VocabularySize { get; init; }

    /// <summary>The leading dimensions of each head that RoPE rotates (usually the whole head).</summary>
    public required int RopeDimensions { get; init; }

    /// <summary>The RoPE base frequency θ.</summary>
    public required double RopeTheta { get; init; }

    /// <summary>
    /// Llama 3 frequency scaling from a Hugging Face config, or null. GGUF files carry the same
    /// information as the <c>rope_freqs.weight</c> tensor instead
    /// (see <see cref="ModelDescription.RopeFrequencyFactors"/>, which covers both).
    /// </summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    /// <summary>The ε of every RMSNorm.</summary>
    public required float RmsNormEpsilon { get; init; }

    /// <summary>The context length the model was trained for.</summary>
    public required int ContextLength { get; init; }

    /// <summary>True when the output projection reuses the token embedding (no separate output weight).</summary>
    public required bool TiedEmbeddings { get; init; }

    /// <summary>The beginning-of-sequence token id, when the file names one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>The end-of-sequence token ids the file names (Hugging Face configs may list several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Width of all query heads together.</summary>
    public int QueryWidth => HeadCount * HeadDimension;

    /// <summary>Width of all key (or value) heads together.</summary>
    public int KeyValueWidth => KeyValueHeadCount * HeadDimension;

    /// <summary>Checks the values are consistent; <paramref name="source"/> names the file in the error.</summary>
    internal void Validate(string source)
    {
        void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw new ModelFileException(source, $"{name} is {value}, expected a positive number");
            }
        }
        Positive(HiddenSize, "the hidden size");
        Positive(LayerCount, "the layer count");
        Positive(HeadCount, "the head count");
        Positive(KeyValueHeadCount, "the key/value head count");
        Positive(HeadDimension, "the head dimension");
        Positive(FeedForwardSize, "the feed-forward size");
        Positive(VocabularySize, "the vocabulary size");
        Positive(ContextLength, "the context length");
        if (HeadCount % KeyValueHeadCount != 0)
        {
            throw new ModelFileException(source, $"the head count {HeadCount} is not a multiple of the key/value head count {KeyValueHeadCount}");
        }
        if (RopeDimensions <= 0 || RopeDimensions % 2 != 0 || RopeDimensions > HeadDimension)
        {
            throw new ModelFileException(source, $"the RoPE dimension count {RopeDimensions} must be even, positive and at most the head dimension {HeadDimension}");
        }
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
        {
            throw new ModelFileException(source, $"the RoPE base frequency is {RopeTheta}, expected a positive number");
        }
        if (!(RmsNormEpsilon > 0) || float.IsInfinity(RmsNormEpsilon))
        {
            throw new ModelFileException(source, $"the RMSNorm epsilon is {RmsNormEpsilon}, expected a small positive number");
        }
    }
}
