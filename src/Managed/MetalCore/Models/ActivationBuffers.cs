using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// The device buffers one forward pass works in, sized for a batch of up to
/// <see cref="MaxTokens"/> tokens (prompt chunks) and <see cref="MaxLogitRows"/> rows of logits.
/// </summary>
internal sealed class ActivationBuffers : IDisposable
{
    private readonly OwnedTensors _tensors;

    public ActivationBuffers(ComputeContext context, TransformerConfig config, int maxTokens, int maxLogitRows)
    {
        _tensors = new OwnedTensors(context);
        MaxTokens = maxTokens;
        MaxLogitRows = maxLogitRows;
        Tokens = _tensors.Allocate(GgmlType.I32, maxTokens, 1);
        Positions = _tensors.Allocate(GgmlType.I32, maxTokens, 1);
        Residual = _tensors.Allocate(GgmlType.F32, maxTokens, config.HiddenSize);
        Normed = _tensors.Allocate(GgmlType.F32, maxTokens, config.HiddenSize);
        Query = _tensors.Allocate(GgmlType.F32, maxTokens, config.QueryWidth);
        Key = _tensors.Allocate(GgmlType.F32, maxTokens, config.KeyValueWidth);
        Value = _tensors.Allocate(GgmlType.F32, maxTokens, config.KeyValueWidth);
        Attention = _tensors.Allocate(GgmlType.F32, maxTokens, config.QueryWidth);
        FeedForward = _tensors.Allocate(GgmlType.F32, maxTokens, config.FeedForwardSize);
        Logits = _tensors.Allocate(GgmlType.F32, maxLogitRows, config.VocabularySize);
    }

    public int MaxTokens { get; }
    public int MaxLogitRows { get; }

    /// <summary>Input token ids; row 0 also receives the greedy next token (argmax).</summary>
    public TensorView Tokens { get; }
    /// <summary>Position of each input token in its sequence.</summary>
    public TensorView Positions { get; }
    /// <summary>The residual stream.</summary>
    public TensorView Residual { get; }
    public TensorView Normed { get; }
    public TensorView Query { get; }
    public TensorView Key { get; }
    public TensorView Value { get; }
    public TensorView Attention { get; }
    public TensorView FeedForward { get; }
    public TensorView Logits { get; }

    public void Dispose() => _tensors.Dispose();
}
