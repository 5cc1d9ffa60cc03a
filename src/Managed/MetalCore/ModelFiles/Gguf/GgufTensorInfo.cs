namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// One tensor of a <see cref="GgufFile"/>: its name, shape, type and where its bytes are.
/// Its data has been checked to lie inside the file, aligned, without overlapping another tensor.
/// </summary>
internal sealed class GgufTensorInfo
{
    internal GgufTensorInfo(GgufFile file, string name, long[] dimensions, GgmlType type, long offset, long elementCount, long byteLength)
    {
        File = file;
        Name = name;
        Dimensions = dimensions;
        Type = type;
        Offset = offset;
        ElementCount = elementCount;
        ByteLength = byteLength;
    }

    /// <summary>The tensor name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// The dimensions in ggml order: <c>Dimensions[0]</c> is the innermost (contiguous) one, the
    /// row length. A weight matrix with <c>n</c> outputs and <c>k</c> inputs is <c>[k, n]</c>.
    /// </summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The element type.</summary>
    public GgmlType Type { get; }

    /// <summary>The offset of the tensor's bytes from the start of the data section.</summary>
    public long Offset { get; }

    /// <summary>The offset of the tensor's bytes from the start of the file.</summary>
    public long FileOffset => File.DataOffset + Offset;

    /// <summary>The number of elements (the product of the dimensions).</summary>
    public long ElementCount { get; }

    /// <summary>The size of the tensor's data in bytes.</summary>
    public long ByteLength { get; }

    internal GgufFile File { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Dimensions)}]";
}
