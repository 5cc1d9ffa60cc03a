namespace MetalCore.ModelFiles;

/// <summary>Block layout of each <see cref="GgmlType"/>: how many elements a block holds and its size in bytes.</summary>
internal static class GgmlTypeTraits
{
    /// <summary>True when <paramref name="type"/> is a type ggml defines (so its byte size is known).</summary>
    public static bool IsKnown(GgmlType type) => TryGetLayout(type, out _, out _);

    /// <summary>True when MetalCore computes with tensors of <paramref name="type"/>.</summary>
    public static bool IsSupported(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1;

    /// <summary>Elements per block (1 for plain scalar types).</summary>
    public static int BlockSize(GgmlType type) => TryGetLayout(type, out var elements, out _)
        ? elements
        : throw new ArgumentOutOfRangeException(nameof(type), type, "not a ggml type");

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(GgmlType type) => TryGetLayout(type, out _, out var bytes)
        ? bytes
        : throw new ArgumentOutOfRangeException(nameof(type), type, "not a ggml type");

    /// <summary>
    /// Bytes taken by a row of <paramref name="elements"/> elements of <paramref name="type"/>, or -1 when
    /// the count is not a whole number of blocks.
    /// </summary>
    public static long RowBytes(GgmlType type, long elements)
    {
        var blockSize = BlockSize(type);
        return elements % blockSize != 0 ? -1 : elements / blockSize * BlockBytes(type);
    }

    // Block sizes and byte sizes as ggml's type_traits table defines them (ids 4, 5, 31-33 and
    // 36-38 were removed from ggml and are invalid in files).
    internal static bool TryGetLayout(GgmlType type, out int blockElements, out int blockBytes)
    {
        (blockElements, blockBytes) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.Q4_0 => (32, 18),
            GgmlType.Q4_1 => (32, 20),
            GgmlType.Q5_0 => (32, 22),
            GgmlType.Q5_1 => (32, 24),
            GgmlType.Q8_0 => (32, 34),
            GgmlType.Q8_1 => (32, 36),
            GgmlType.Q2_K => (256, 84),
            GgmlType.Q3_K => (256, 110),
            GgmlType.Q4_K => (256, 144),
            GgmlType.Q5_K => (256, 176),
            GgmlType.Q6_K => (256, 210),
            GgmlType.Q8_K => (256, 292),
            GgmlType.IQ2_XXS => (256, 66),
            GgmlType.IQ2_XS => (256, 74),
            GgmlType.IQ3_XXS => (256, 98),
            GgmlType.IQ1_S => (256, 50),
            GgmlType.IQ4_NL => (32, 18),
            GgmlType.IQ3_S => (256, 110),
            GgmlType.IQ2_S => (256, 82),
            GgmlType.IQ4_XS => (256, 136),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.F64 => (1, 8),
            GgmlType.IQ1_M => (256, 56),
            GgmlType.BF16 => (1, 2),
            GgmlType.TQ1_0 => (256, 54),
            GgmlType.TQ2_0 => (256, 66),
            GgmlType.MXFP4 => (32, 17),
            _ => (0, 0),
        };
        return blockElements != 0;
    }
}
