namespace MetalCore.ModelFiles;

/// <summary>The weights of one transformer block (pre-norm attention, then pre-norm SwiGLU).</summary>
internal sealed class ModelLayer
{
    internal ModelLayer(int index, TensorBinder tensors)
    {
        Index = index;
        AttentionNorm = tensors.Require(index, TensorNames.AttentionNorm);
        Query = tensors.Require(index, TensorNames.Query);
        Key = tensors.Require(index, TensorNames.Key);
        Value = tensors.Require(index, TensorNames.Value);
        AttentionOutput = tensors.Require(index, TensorNames.AttentionOutput);
        QueryNorm = tensors.ForQwen3(index, TensorNames.QueryNorm);
        KeyNorm = tensors.ForQwen3(index, TensorNames.KeyNorm);
        FeedForwardNorm = tensors.Require(index, TensorNames.FeedForwardNorm);
        Gate = tensors.Require(index, TensorNames.Gate);
        Up = tensors.Require(index, TensorNames.Up);
        Down = tensors.Require(index, TensorNames.Down);
    }

    /// <summary>The block's position, from 0.</summary>
    public int Index { get; }

    /// <summary>RMSNorm weight before attention, [hidden].</summary>
    public ModelTensor AttentionNorm { get; }

    /// <summary>Query projection, [heads·head_dim, hidden].</summary>
    public ModelTensor Query { get; }

    /// <summary>Key projection, [kv_heads·head_dim, hidden].</summary>
    public ModelTensor Key { get; }

    /// <summary>Value projection, [kv_heads·head_dim, hidden].</summary>
    public ModelTensor Value { get; }

    /// <summary>Attention output projection, [hidden, heads·head_dim].</summary>
    public ModelTensor AttentionOutput { get; }

    /// <summary>Qwen3: RMSNorm weight applied to each query head before RoPE, [head_dim]; null for Llama.</summary>
    public ModelTensor? QueryNorm { get; }

    /// <summary>Qwen3: RMSNorm weight applied to each key head before RoPE, [head_dim]; null for Llama.</summary>
    public ModelTensor? KeyNorm { get; }

    /// <summary>RMSNorm weight before the feed-forward block, [hidden].</summary>
    public ModelTensor FeedForwardNorm { get; }

    /// <summary>SwiGLU gate projection, [ffn, hidden].</summary>
    public ModelTensor Gate { get; }

    /// <summary>SwiGLU up projection, [ffn, hidden].</summary>
    public ModelTensor Up { get; }

    /// <summary>Feed-forward down projection, [hidden, ffn].</summary>
    public ModelTensor Down { get; }
}
