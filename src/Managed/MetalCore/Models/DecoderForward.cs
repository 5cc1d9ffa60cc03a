using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// The forward pass of a Llama-style decoder, written as the sequence of fused native ops it
/// enqueues. It reads token ids and positions from <see cref="ActivationBuffers"/>, appends to
/// the KV cache, and leaves logits (and the greedy token in Tokens[0]). Architectures that
/// differ from Llama override one step.
/// </summary>
internal abstract class DecoderForward(ComputeContext context, TransformerConfig config, ModelWeights weights)
{
    protected ComputeContext Context { get; } = context;
    protected TransformerConfig Config { get; } = config;
    protected ModelWeights Weights { get; } = weights;

    /// <summary>
    /// Enqueues the forward pass of <paramref name="tokens"/> tokens, then logits for the last
    /// <paramref name="logitRows"/> of them and the argmax of the last row into Tokens[0].
    /// </summary>
    public void Enqueue(ActivationBuffers a, KvCache cache, int tokens, int logitRows)
    {
        var x = a.Residual.Slice(0, tokens);
        var positions = a.Positions.Slice(0, tokens);
        Context.Embedding(Weights.TokenEmbedding, a.Tokens.Slice(0, tokens), x);
        for (var layer = 0; layer < Config.Layers; layer++)
        {
            AttentionBlock(a, cache, layer, tokens, x, positions);
            FeedForwardBlock(a, layer, tokens, x);
        }
        var last = x.Slice(tokens - logitRows, logitRows);
        var normed = a.Normed.Slice(0, logitRows);
        var logits = a.Logits.Slice(0, logitRows);
        Context.RmsNorm(last, Weights.OutputNorm, Config.RmsNormEps, normed);
        Context.MatMul(normed, Weights.Output, logits);
        Context.ArgMax(logits.Slice(logitRows - 1, 1), a.Tokens.Slice(0, 1));
    }

    private void AttentionBlock(ActivationBuffers a, KvCache cache, int layer, int tokens, TensorView x, TensorView positions)
    {
        var w = Weights.Layers[layer];
        var h = a.Normed.Slice(0, tokens);
        var q = a.Query.Slice(0, tokens);
        var k = a.Key.Slice(0, tokens);
        var v = a.Value.Slice(0, tokens);
        Context.RmsNorm(x, w.AttentionNorm, Config.RmsNormEps, h);
        Context.MatMulQkv(h, w.Query, w.Key, w.Value, q, k, v);
        NormalizeQueryAndKey(w, q, k, tokens);
        Context.Rope(q, positions, Config.Heads, Config.HeadDim, Config.RopeDims, Config.RopeTheta, Weights.RopeFrequencyFactors, Config.RopeLayout);
        Context.Rope(k, positions, Config.KvHeads, Config.HeadDim, Config.RopeDims, Config.RopeTheta, Weights.RopeFrequencyFactors, Config.RopeLayout);
        Context.KvAppend(k, v, cache.Keys[layer], cache.Values[layer], positions, cache.Capacity);
        var attention = a.Attention.Slice(0, tokens);
        Context.Attention(q, cache.Keys[layer], cache.Values[layer], positions, cache.Capacity,
            Config.Heads, Config.KvHeads, Config.HeadDim, 1f / MathF.Sqrt(Config.HeadDim), attention);
        // The residual add is fused into the output projection: x = x + attention · Woᵀ.
        Context.MatMul(attention, w.Output, x, residual: x);
    }

    private void FeedForwardBlock(ActivationBuffers a, int layer, int tokens, TensorView x)
    {
        var w = Weights.Layers[layer];
        var h = a.Normed.Slice(0, tokens);
        var ffn = a.FeedForward.Slice(0, tokens);
        Context.RmsNorm(x, w.FeedForwardNorm, Config.RmsNormEps, h);
        Context.MatMulGateUpSilu(h, w.Gate, w.Up, ffn);
        Context.MatMul(ffn, w.Down, x, residual: x);
    }

    /// <summary>The step between the Q/K/V projection and rope: nothing for Llama.</summary>
    protected virtual void NormalizeQueryAndKey(LayerWeights w, TensorView q, TensorView k, int tokens)
    {
    }

    /// <summary>The forward pass of an architecture.</summary>
    public static DecoderForward For(ComputeContext context, TransformerConfig config, ModelWeights weights) =>
        config.Architecture switch
        {
            ModelArchitecture.Llama => new LlamaForward(context, config, weights),
            ModelArchitecture.Qwen3 => new Qwen3Forward(context, config, weights),
            _ => throw new NotSupportedException($"No forward pass for {config.Architecture}."),
        };
}

/// <summary>Llama: the decoder exactly as <see cref="DecoderForward"/> writes it.</summary>
internal sealed class LlamaForward(ComputeContext context, TransformerConfig config, ModelWeights weights)
    : DecoderForward(context, config, weights);

/// <summary>Qwen3: Llama plus an RMSNorm of every query and key head before rope.</summary>
internal sealed class Qwen3Forward(ComputeContext context, TransformerConfig config, ModelWeights weights)
    : DecoderForward(context, config, weights)
{
    protected override void NormalizeQueryAndKey(LayerWeights w, TensorView q, TensorView k, int tokens)
    {
        // Rows are independent in rms_norm, so [tokens x heads*head_dim] seen as
        // [tokens*heads x head_dim] normalizes each head on its own.
        var qHeads = q.Reshape(tokens * Config.Heads, Config.HeadDim);
        var kHeads = k.Reshape(tokens * Config.KvHeads, Config.HeadDim);
        Context.RmsNorm(qHeads, w.QueryNorm!.Value, Config.RmsNormEps, qHeads);
        Context.RmsNorm(kHeads, w.KeyNorm!.Value, Config.RmsNormEps, kHeads);
    }
}
