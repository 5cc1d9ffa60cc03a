namespace MetalCore.ModelFiles;

/// <summary>
/// Tensor element types, numbered as ggml numbers them (the ids stored in GGUF files).
/// MetalCore computes with <see cref="F32"/>, <see cref="F16"/>, <see cref="BF16"/>,
/// <see cref="Q8_0"/>, <see cref="Q4_0"/>, <see cref="Q4_1"/>, <see cref="Q5_0"/> and
/// <see cref="Q5_1"/>; the others are known so that files holding them can still be opened
/// (for their metadata or vocabulary) and rejected clearly when their tensors are used.
/// </summary>
public enum GgmlType : uint
{
    /// <summary>32-bit IEEE float.</summary>
    F32 = 0,
    /// <summary>16-bit IEEE half float.</summary>
    F16 = 1,
    /// <summary>Blocks of 32: one F16 scale and 32 4-bit values (offset 8).</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32: F16 scale and minimum, 32 4-bit values.</summary>
    Q4_1 = 3,
    /// <summary>Blocks of 32: one F16 scale and 32 5-bit values (offset 16).</summary>
    Q5_0 = 6,
    /// <summary>Blocks of 32: F16 scale and minimum, 32 5-bit values.</summary>
    Q5_1 = 7,
    /// <summary>Blocks of 32: one F16 scale and 32 signed 8-bit values.</summary>
    Q8_0 = 8,
    /// <summary>ggml's Q8_1 (not supported for compute).</summary>
    Q8_1 = 9,
    /// <summary>ggml's Q2_K (not supported for compute).</summary>
    Q2_K = 10,
    /// <summary>ggml's Q3_K (not supported for compute).</summary>
    Q3_K = 11,
    /// <summary>ggml's Q4_K (not supported for compute).</summary>
    Q4_K = 12,
    /// <summary>ggml's Q5_K (not supported for compute).</summary>
    Q5_K = 13,
    /// <summary>ggml's Q6_K (not supported for compute).</summary>
    Q6_K = 14,
    /// <summary>ggml's Q8_K (not supported for compute).</summary>
    Q8_K = 15,
    /// <summary>ggml's IQ2_XXS (not supported for compute).</summary>
    IQ2_XXS = 16,
    /// <summary>ggml's IQ2_XS (not supported for compute).</summary>
    IQ2_XS = 17,
    /// <summary>ggml's IQ3_XXS (not supported for compute).</summary>
    IQ3_XXS = 18,
    /// <summary>ggml's IQ1_S (not supported for compute).</summary>
    IQ1_S = 19,
    /// <summary>ggml's IQ4_NL (not supported for compute).</summary>
    IQ4_NL = 20,
    /// <summary>ggml's IQ3_S (not supported for compute).</summary>
    IQ3_S = 21,
    /// <summary>ggml's IQ2_S (not supported for compute).</summary>
    IQ2_S = 22,
    /// <summary>ggml's IQ4_XS (not supported for compute).</summary>
    IQ4_XS = 23,
    /// <summary>8-bit integer (not supported for compute).</summary>
    I8 = 24,
    /// <summary>16-bit integer (not supported for compute).</summary>
    I16 = 25,
    /// <summary>32-bit integer (not supported for compute).</summary>
    I32 = 26,
    /// <summary>64-bit integer (not supported for compute).</summary>
    I64 = 27,
    /// <summary>64-bit float (not supported for compute).</summary>
    F64 = 28,
    /// <summary>ggml's IQ1_M (not supported for compute).</summary>
    IQ1_M = 29,
    /// <summary>bfloat16: the upper half of an F32.</summary>
    BF16 = 30,
    /// <summary>ggml's TQ1_0 (not supported for compute).</summary>
    TQ1_0 = 34,
    /// <summary>ggml's TQ2_0 (not supported for compute).</summary>
    TQ2_0 = 35,
    /// <summary>ggml's MXFP4 (not supported for compute).</summary>
    MXFP4 = 39,
}
