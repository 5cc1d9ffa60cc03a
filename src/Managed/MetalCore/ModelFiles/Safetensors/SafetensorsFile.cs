using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace MetalCore.ModelFiles.Safetensors;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped and validated when opened: the header length, the
/// header JSON, every tensor's dtype, shape and offsets (in range, dtype size × element count equal
/// to the byte length, no two tensors overlapping). Tensor data is not copied:
/// <see cref="GetTensorBytes"/> and <see cref="GetTensorPointer"/> point into the mapping and
/// stay valid until the file is disposed.
/// </summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    // The Hugging Face safetensors library refuses headers above 100 MB.
    private const long MaxHeaderBytes = 100_000_000;
    private const string MetadataKey = "__metadata__";

    private readonly MappedFile _mapping;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors = new(StringComparer.Ordinal);
    private readonly List<SafetensorsTensorInfo> _tensorsInOrder = [];
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    private SafetensorsFile(MappedFile mapping)
    {
        _mapping = mapping;
    }

    /// <summary>The path the file was opened from.</summary>
    public string FilePath => _mapping.Path;

    /// <summary>The offset of the data section (8 + header length) from the start of the file.</summary>
    public long DataOffset { get; private set; }

    /// <summary>The free-form string metadata of the header (<c>__metadata__</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>The tensors, in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => _tensorsInOrder;

    /// <summary>The size of the file in bytes.</summary>
    public long FileLength => _mapping.Length;

    /// <summary>The address of the first byte of the mapped file (page aligned).</summary>
    public nint BaseAddress => (nint)_mapping.Pointer;

    /// <summary>Opens, maps and validates a safetensors file.</summary>
    /// <exception cref="ModelFileException">The file cannot be read or is not valid safetensors.</exception>
    public static SafetensorsFile Open(string path)
    {
        var mapping = MappedFile.Open(path);
        var file = new SafetensorsFile(mapping);
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

    /// <summary>Looks up a tensor by name.</summary>
    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out SafetensorsTensorInfo tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>The address of a tensor's bytes inside the mapping (valid until the file is disposed).</summary>
    public nint GetTensorPointer(SafetensorsTensorInfo tensor)
    {
        CheckOwner(tensor);
        return (nint)(_mapping.Pointer + tensor.FileOffset);
    }

    /// <summary>A tensor's bytes, without copying (valid until the file is disposed).</summary>
    /// <exception cref="ModelFileException">The tensor is larger than a span can address (2 GiB): use <see cref="GetTensorPointer"/>.</exception>
    public ReadOnlySpan<byte> GetTensorBytes(SafetensorsTensorInfo tensor)
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

    private void CheckOwner(SafetensorsTensorInfo tensor)
    {
        if (!ReferenceEquals(tensor.File, this))
        {
            throw new ArgumentException($"tensor '{tensor.Name}' belongs to another safetensors file ('{tensor.File.FilePath}')", nameof(tensor));
        }
    }

    private void Parse()
    {
        if (_mapping.Length < 8)
        {
            throw new ModelFileException(FilePath, $"the file is {_mapping.Length} bytes, too short for the 8-byte header length");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(_mapping.Span(0, 8));
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(_mapping.Length - 8))
        {
            throw new ModelFileException(FilePath, $"header length {headerLength} exceeds the {_mapping.Length - 8} bytes after it "
                + $"(or the {MaxHeaderBytes}-byte limit): not a safetensors file, or truncated");
        }
        DataOffset = 8 + (long)headerLength;
        var header = _mapping.Span(8, (int)headerLength);
        if (header.IsEmpty || header[0] != (byte)'{')
        {
            throw new ModelFileException(FilePath, "the header does not start with '{': not a safetensors file");
        }
        using var json = JsonFile.Parse(FilePath, header.ToArray());
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value);
            }
            else
            {
                AddTensor(ReadTensorInfo(property.Name, property.Value));
            }
        }
        CheckNoOverlap();
    }

    private void ReadMetadata(JsonElement metadata)
    {
        JsonFile.RequireObject(FilePath, metadata, $"'{MetadataKey}'");
        foreach (var entry in metadata.EnumerateObject())
        {
            _metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String
                ? entry.Value.GetString()!
                : throw JsonFile.WrongType(FilePath, $"{MetadataKey}.{entry.Name}", entry.Value, "a string");
        }
    }

    private SafetensorsTensorInfo ReadTensorInfo(string name, JsonElement info)
    {
        JsonFile.RequireObject(FilePath, info, $"tensor '{name}'");
        var dtype = JsonFile.OptionalString(FilePath, info, "dtype")
            ?? throw Error(name, "has no 'dtype'");
        var elementBytes = SafetensorsDTypes.ElementBytes(dtype);
        if (elementBytes == 0)
        {
            throw Error(name, $"has unknown dtype '{dtype}'");
        }
        var shape = ReadNonNegativeIntegers(name, info, "shape", count: null);
        var offsets = ReadNonNegativeIntegers(name, info, "data_offsets", count: 2);
        var dataLength = _mapping.Length - DataOffset;
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end || end > dataLength)
        {
            throw Error(name, $"data_offsets [{begin}, {end}] are not a range inside the {dataLength}-byte data section");
        }
        // Each dimension is at most the data length (or the product would exceed it), so the
        // running product stays far below 2^63 until it is compared.
        long elements = 1;
        foreach (var dimension in shape)
        {
            elements = dimension == 0 || elements == 0 ? 0
                : elements > dataLength / dimension ? dataLength + 1
                : elements * dimension;
        }
        var shapeText = string.Join(", ", shape);
        if (elements > dataLength)
        {
            throw Error(name, $"shape [{shapeText}] has more elements than the file has bytes");
        }
        if (elements * elementBytes != end - begin)
        {
            throw Error(name, $"shape [{shapeText}] of {dtype} needs {elements * elementBytes} bytes, but data_offsets [{begin}, {end}] span {end - begin}");
        }
        return new SafetensorsTensorInfo(this, name, dtype, shape, DataOffset + begin, end - begin);
    }

    private long[] ReadNonNegativeIntegers(string tensor, JsonElement info, string key, int? count)
    {
        if (!JsonFile.TryGet(info, key, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Error(tensor, $"has no '{key}' array");
        }
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw Error(tensor, $"'{key}' holds {item.GetRawText()}, expected non-negative integers");
            }
            values.Add(value);
        }
        if (count is { } expected && values.Count != expected)
        {
            throw Error(tensor, $"'{key}' has {values.Count} values, expected {expected}");
        }
        return [.. values];
    }

    private void AddTensor(SafetensorsTensorInfo tensor)
    {
        if (!_tensors.TryAdd(tensor.Name, tensor))
        {
            throw Error(tensor.Name, "appears twice in the header");
        }
        _tensorsInOrder.Add(tensor);
    }

    private void CheckNoOverlap()
    {
        var byOffset = _tensorsInOrder.Where(t => t.ByteLength > 0).OrderBy(t => t.FileOffset).ToArray();
        for (var i = 1; i < byOffset.Length; i++)
        {
            var previous = byOffset[i - 1];
            if (byOffset[i].FileOffset < previous.FileOffset + previous.ByteLength)
            {
                throw Error(byOffset[i].Name, $"data overlaps tensor '{previous.Name}'");
            }
        }
    }

    private ModelFileException Error(string tensor, string detail) => new(FilePath, $"tensor '{tensor}' {detail}");
}
