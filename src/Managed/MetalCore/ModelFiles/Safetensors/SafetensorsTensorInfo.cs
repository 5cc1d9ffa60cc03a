namespace MetalCore.ModelFiles.Safetensors;

/// <summary>
/// One tensor of a <see cref="SafetensorsFile"/>: name, dtype, shape and where its bytes are.
/// Its data has been checked to lie inside the file with exactly dtype size × element count bytes.
/// </summary>
internal sealed class SafetensorsTensorInfo
{
    internal SafetensorsTensorInfo(SafetensorsFile file, string name, string dtype, long[] shape, long fileOffset, long byteLength)
    {
        File = file;
        Name = name;
        DType = dtype;
        Shape = shape;
        FileOffset = fileOffset;
        ByteLength = byteLength;
        ElementCount = shape.Aggregate(1L, (product, d) => product * d);
    }

    /// <summary>The tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The dtype as written in the header (F32, F16, BF16, I64, ...).</summary>
    public string DType { get; }

    /// <summary>
    /// The element type when MetalCore can use it (F32, F16, BF16); null for other dtypes.
    /// </summary>
    public GgmlType? Type => DType switch
    {
        "F32" => GgmlType.F32,
        "F16" => GgmlType.F16,
        "BF16" => GgmlType.BF16,
        _ => null,
    };

    /// <summary>The shape, outermost dimension first (PyTorch order): a linear layer's weight is [out, in].</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The offset of the tensor's bytes from the start of the file.</summary>
    public long FileOffset { get; }

    /// <summary>The size of the tensor's data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>The file (shard) holding the tensor.</summary>
    public SafetensorsFile File { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {DType} [{string.Join(", ", Shape)}]";
}
