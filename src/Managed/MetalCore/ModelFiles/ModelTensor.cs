namespace MetalCore.ModelFiles;

/// <summary>
/// One weight of a <see cref="ModelDescription"/>, whichever file it lives in, checked against
/// the hyperparameters. Its bytes are not copied: <see cref="Address"/> points into the mapped
/// file and is valid until the description is disposed.
/// </summary>
internal sealed class ModelTensor
{
    private readonly ModelDescription _owner;
    private readonly nint _address;

    internal ModelTensor(ModelDescription owner, string name, string sourceName, GgmlType type, long[] shape,
        string filePath, long fileOffset, long byteLength, nint address)
    {
        _owner = owner;
        Name = name;
        SourceName = sourceName;
        Type = type;
        Shape = shape;
        FilePath = filePath;
        FileOffset = fileOffset;
        ByteLength = byteLength;
        _address = address;
    }

    /// <summary>The canonical (llama.cpp GGUF) name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The name in the file (differs from <see cref="Name"/> for Hugging Face files).</summary>
    public string SourceName { get; }

    /// <summary>The element type (always one MetalCore supports: see <see cref="GgmlTypeTraits.IsSupported"/>).</summary>
    public GgmlType Type { get; }

    /// <summary>
    /// The shape, outermost dimension first: a weight matrix is [outputs, inputs], stored row by
    /// row (each row one output's weights, contiguous), in both GGUF and safetensors files.
    /// </summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, d) => product * d);

    /// <summary>The file holding the tensor.</summary>
    public string FilePath { get; }

    /// <summary>The offset of the tensor's bytes in <see cref="FilePath"/>.</summary>
    public long FileOffset { get; }

    /// <summary>The size of the tensor's data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>The address of the tensor's bytes in the mapped file.</summary>
    public nint Address
    {
        get
        {
            _owner.ThrowIfDisposed();
            return _address;
        }
    }

    /// <summary>The tensor's bytes, without copying.</summary>
    /// <exception cref="ModelFileException">The tensor is larger than a span can address (2 GiB): use <see cref="Address"/>.</exception>
    public unsafe ReadOnlySpan<byte> Bytes => ByteLength <= int.MaxValue
        ? new ReadOnlySpan<byte>((void*)Address, (int)ByteLength)
        : throw new ModelFileException(FilePath, $"tensor '{SourceName}' is {ByteLength} bytes, too large for a span: use Address");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Shape)}]";
}
