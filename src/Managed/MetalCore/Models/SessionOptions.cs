using MetalCore.ModelFiles;

namespace MetalCore.Models;

/// <summary>Sizes of a session's buffers.</summary>
public sealed record SessionOptions
{
    /// <summary>Tokens the KV cache holds; going past it is a <see cref="ContextFullException"/>.</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Element type of the KV cache: F16 (default, as llama.cpp), BF16 or F32.</summary>
    public GgmlType KvCacheType { get; init; } = GgmlType.F16;

    /// <summary>Prompt tokens processed per batch (matrix-matrix kernels).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Rows of logits one batch can return when every position's logits are wanted.</summary>
    public int MaxLogitRows { get; init; } = 32;

    /// <summary>Checks the values and names the first one out of range.</summary>
    public void Validate()
    {
        if (ContextLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "ContextLength must be positive.");
        }
        if (KvCacheType is not (GgmlType.F16 or GgmlType.BF16 or GgmlType.F32))
        {
            throw new ArgumentOutOfRangeException(nameof(KvCacheType), KvCacheType, "KvCacheType must be F16, BF16 or F32.");
        }
        if (BatchSize <= 0 || MaxLogitRows <= 0)
        {
            throw new ArgumentOutOfRangeException(BatchSize <= 0 ? nameof(BatchSize) : nameof(MaxLogitRows), "Batch sizes must be positive.");
        }
    }
}
