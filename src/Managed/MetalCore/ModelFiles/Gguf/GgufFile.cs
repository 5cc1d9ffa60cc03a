using System.Diagnostics.CodeAnalysis;

namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// A GGUF (v2 or v3) file, memory-mapped and validated when opened: header, metadata (every value
/// type, arrays of strings and of arrays included), tensor infos and the data section. Every
/// count, length and offset is checked against the file length before it is used, so a damaged
/// file fails with a <see cref="ModelFileException"/> rather than a crash or a huge allocation.
/// Tensor data is not copied: <see cref="GetTensorBytes"/> and <see cref="GetTensorPointer"/>
/// point into the mapping and stay valid until the file is disposed.
/// </summary>
internal sealed unsafe class GgufFile : IDisposable
{
    /// <summary>The alignment of the data section and tensor offsets when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The metadata key that overrides <see cref="DefaultAlignment"/>.</summary>
    public const string AlignmentKey = "general.alignment";

    private readonly MappedFile _mapping;
    private readonly Dictionary<string, GgufValue> _metadata = new(StringComparer.Ordinal);
    private readonly List<GgufValue> _metadataInOrder = [];
    private readonly Dictionary<string, GgufTensorInfo> _tensors = new(StringComparer.Ordinal);
    private readonly List<GgufTensorInfo> _tensorsInOrder = [];

    private GgufFile(MappedFile mapping)
    {
        _mapping = mapping;
    }

    /// <summary>The path the file was opened from.</summary>
    public string FilePath => _mapping.Path;

    /// <summary>The file length in bytes.</summary>
    public long FileLength => _mapping.Length;

    /// <summary>The GGUF format version (2 or 3).</summary>
    public uint Version { get; private set; }

    /// <summary>The alignment of the data section and of every tensor's offset, in bytes.</summary>
    public int Alignment { get; private set; } = DefaultAlignment;

    /// <summary>The offset of the data section from the start of the file.</summary>
    public long DataOffset { get; private set; }

    /// <summary>The metadata values, in file order.</summary>
    public IReadOnlyList<GgufValue> Metadata => _metadataInOrder;

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensorsInOrder;

    /// <summary>
    /// The address of the first byte of the mapped file (page aligned), for callers that wrap the
    /// whole mapping in a device buffer and address tensors by <see cref="GgufTensorInfo.FileOffset"/>.
    /// </summary>
    public nint BaseAddress => (nint)_mapping.Pointer;

    /// <summary>Opens, maps and validates a GGUF file.</summary>
    /// <exception cref="ModelFileException">The file cannot be read or is not a valid GGUF v2/v3 file.</exception>
    public static GgufFile Open(string path)
    {
        var mapping = MappedFile.Open(path);
        var file = new GgufFile(mapping);
        try
        {
            file.Parse();
            return file;
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>True when the metadata holds <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _metadata.ContainsKey(key);

    /// <summary>Looks up an optional metadata value.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out GgufValue value) => _metadata.TryGetValue(key, out value);

    /// <summary>A required metadata value.</summary>
    /// <exception cref="ModelFileException">The key is missing.</exception>
    public GgufValue GetValue(string key) => _metadata.TryGetValue(key, out var value)
        ? value
        : throw new ModelFileException(FilePath, $"required metadata key '{key}' is missing");

    /// <summary>Looks up a tensor by name.</summary>
    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out GgufTensorInfo tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>A required tensor.</summary>
    /// <exception cref="ModelFileException">No tensor has that name.</exception>
    public GgufTensorInfo GetTensor(string name) => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new ModelFileException(FilePath, $"required tensor '{name}' is missing");

    /// <summary>The address of a tensor's bytes inside the mapping (valid until the file is disposed).</summary>
    public nint GetTensorPointer(GgufTensorInfo tensor)
    {
        CheckOwner(tensor);
        return (nint)(_mapping.Pointer + tensor.FileOffset);
    }

    /// <summary>A tensor's bytes, without copying (valid until the file is disposed).</summary>
    /// <exception cref="ModelFileException">The tensor is larger than a span can address (2 GiB): use <see cref="GetTensorPointer"/>.</exception>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        CheckOwner(tensor);
        if (tensor.ByteLength > int.MaxValue)
        {
            throw new ModelFileException(FilePath, $"tensor '{tensor.Name}' is {tensor.ByteLength} bytes, too large for a span: use GetTensorPointer");
        }
        return _mapping.Span(tensor.FileOffset, (int)tensor.ByteLength);
    }

    /// <summary>Unmaps the file; spans and pointers handed out before become invalid.</summary>
    public void Dispose() => _mapping.Dispose();

    internal GgufCursor CursorAt(long offset) => new(_mapping.Pointer, _mapping.Length, FilePath, offset);

    internal ReadOnlySpan<byte> Span(long offset, int length) => _mapping.Span(offset, length);

    private void CheckOwner(GgufTensorInfo tensor)
    {
        if (!ReferenceEquals(tensor.File, this))
        {
            throw new ArgumentException($"tensor '{tensor.Name}' belongs to another GGUF file ('{tensor.File.FilePath}')", nameof(tensor));
        }
    }

    private void Parse()
    {
        var cursor = CursorAt(0);
        ReadHeader(ref cursor, out var tensorCount, out var metadataCount);
        for (long i = 0; i < metadataCount; i++)
        {
            ReadMetadataEntry(ref cursor, i);
        }
        Alignment = ReadAlignment();
        for (long i = 0; i < tensorCount; i++)
        {
            ReadTensorInfo(ref cursor, i);
        }
        // The data section starts at the next multiple of the alignment (a vocabulary-only file
        // may end before it: it has no tensors to place there).
        DataOffset = AlignUp(cursor.Position, Alignment);
        new GgufTensorLayoutValidator(this).Validate(_tensorsInOrder);
    }

    private void ReadHeader(ref GgufCursor cursor, out long tensorCount, out long metadataCount)
    {
        const uint magic = 0x46554747; // "GGUF" read as a little-endian uint32
        var found = cursor.ReadUInt32();
        if (found != magic)
        {
            throw cursor.Error($"not a GGUF file: the first four bytes are 0x{found:X8} (little-endian), expected \"GGUF\"", 0);
        }
        var version = cursor.ReadUInt32();
        if (version is not (2 or 3))
        {
            var swapped = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(version);
            throw version == 1
                ? new UnsupportedModelException(FilePath, "GGUF version 1 is not supported (only versions 2 and 3)")
                : swapped is >= 1 and <= 3
                    ? new UnsupportedModelException(FilePath, "big-endian GGUF files are not supported")
                    : cursor.Error($"unknown GGUF version {version} (expected 2 or 3)", 4);
        }
        Version = version;
        // The smallest tensor info is an empty name (8), a dimension count (4), no dimensions,
        // a type (4) and an offset (8); the smallest metadata entry a key (8), a type (4), one byte.
        tensorCount = cursor.ReadCount("tensor count", 24);
        metadataCount = cursor.ReadCount("metadata entry count", 13);
    }

    private void ReadMetadataEntry(ref GgufCursor cursor, long index)
    {
        cursor.Context = $"metadata entry #{index}";
        var key = cursor.ReadString();
        cursor.Context = $"metadata key '{key}'";
        if (_metadata.ContainsKey(key))
        {
            throw cursor.Error("the key appears twice", cursor.Position);
        }
        var type = GgufValueReader.ReadType(ref cursor, "value type");
        var value = GgufValueReader.Read(ref cursor, this, key, type, depth: 0);
        _metadata.Add(key, value);
        _metadataInOrder.Add(value);
    }

    private int ReadAlignment()
    {
        if (!_metadata.TryGetValue(AlignmentKey, out var value))
        {
            return DefaultAlignment;
        }
        // llama.cpp requires exactly UInt32 here.
        if (value.Type != GgufValueType.UInt32)
        {
            throw new ModelFileException(FilePath, $"metadata key '{AlignmentKey}' has type {value.Type}, expected UInt32");
        }
        var alignment = value.AsUInt32();
        if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 1 << 30)
        {
            throw new ModelFileException(FilePath, $"metadata key '{AlignmentKey}' is {alignment}, expected a power of two");
        }
        return (int)alignment;
    }

    private void ReadTensorInfo(ref GgufCursor cursor, long index)
    {
        const int maxDimensions = 4; // GGML_MAX_DIMS
        cursor.Context = $"tensor info #{index}";
        var name = cursor.ReadString();
        cursor.Context = $"tensor info #{index} ('{name}')";
        var start = cursor.Position;
        var dimensionCount = cursor.ReadUInt32();
        if (dimensionCount > maxDimensions)
        {
            throw cursor.Error($"has {dimensionCount} dimensions, at most {maxDimensions} are allowed", start);
        }
        var dimensions = new long[dimensionCount];
        long elements = 1;
        for (var d = 0; d < dimensions.Length; d++)
        {
            var dimension = cursor.ReadUInt64();
            // Bounding by the file length keeps every product below 2^63: no element count can
            // exceed the bytes of the file times the densest packing (a few elements per byte).
            if (dimension > (ulong)FileLength * 8 || (dimension != 0 && elements > FileLength * 8 / (long)dimension))
            {
                throw cursor.Error($"dimension {d} is {dimension}: the tensor cannot fit in a {FileLength}-byte file", start);
            }
            dimensions[d] = (long)dimension;
            elements *= (long)dimension;
        }
        var typeStart = cursor.Position;
        var typeId = cursor.ReadUInt32();
        var type = (GgmlType)typeId;
        if (!GgmlTypeTraits.TryGetLayout(type, out var blockElements, out var blockBytes))
        {
            throw cursor.Error($"unknown ggml tensor type id {typeId}", typeStart);
        }
        var rowLength = dimensions.Length > 0 ? dimensions[0] : 1;
        if (rowLength % blockElements != 0)
        {
            throw cursor.Error($"row length {rowLength} is not a multiple of the block size {blockElements} of type {type}", start);
        }
        var byteLength = elements / blockElements * blockBytes;
        var offsetStart = cursor.Position;
        var offset = cursor.ReadUInt64();
        if (offset > (ulong)FileLength)
        {
            throw cursor.Error($"data offset {offset} is beyond the end of the {FileLength}-byte file", offsetStart);
        }
        if (_tensors.ContainsKey(name))
        {
            throw cursor.Error("a tensor with this name appears twice", start);
        }
        var tensor = new GgufTensorInfo(this, name, dimensions, type, (long)offset, elements, byteLength);
        _tensors.Add(name, tensor);
        _tensorsInOrder.Add(tensor);
    }

    private static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
