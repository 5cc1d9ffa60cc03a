using System.Text;

namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// Writes GGUF v3 files: typed metadata in insertion order, tensor infos, then each tensor's data
/// at an aligned offset. Tensor data is streamed: each tensor's bytes are produced by a callback
/// when the writer reaches it, so a converted model never has to fit in memory. The file is
/// written under a temporary name and renamed when complete, so a failure leaves no partial file.
/// </summary>
internal sealed class GgufWriter
{
    private readonly List<(string Key, GgufValueType Type, Action<BinaryWriter> Write)> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    /// <summary>Creates a writer placing tensor data at multiples of <paramref name="alignment"/> bytes.</summary>
    /// <param name="alignment">A power of two; anything but 32 is recorded as <c>general.alignment</c>.</param>
    public GgufWriter(int alignment = GgufFile.DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "the alignment must be a power of two");
        }
        Alignment = alignment;
        if (alignment != GgufFile.DefaultAlignment)
        {
            AddUInt32(GgufFile.AlignmentKey, (uint)alignment);
        }
    }

    /// <summary>The alignment of the data section and of every tensor.</summary>
    public int Alignment { get; }

    /// <summary>Produces exactly the tensor's byte length into <paramref name="destination"/>.</summary>
    public delegate void TensorDataProducer(Stream destination);

    /// <summary>Adds a string value.</summary>
    public void AddString(string key, string value) => Add(key, GgufValueType.String, w => WriteString(w, value));

    /// <summary>Adds a UInt32 value.</summary>
    public void AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));

    /// <summary>Adds an Int32 value.</summary>
    public void AddInt32(string key, int value) => Add(key, GgufValueType.Int32, w => w.Write(value));

    /// <summary>Adds a UInt64 value.</summary>
    public void AddUInt64(string key, ulong value) => Add(key, GgufValueType.UInt64, w => w.Write(value));

    /// <summary>Adds a Float32 value.</summary>
    public void AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, w => w.Write(value));

    /// <summary>Adds a Bool value.</summary>
    public void AddBool(string key, bool value) => Add(key, GgufValueType.Bool, w => w.Write(value ? (byte)1 : (byte)0));

    /// <summary>Adds an array of strings.</summary>
    public void AddStringArray(string key, IReadOnlyList<string> values) =>
        AddArray(key, GgufValueType.String, values.Count, w => { foreach (var v in values) { WriteString(w, v); } });

    /// <summary>Adds an array of Int32.</summary>
    public void AddInt32Array(string key, IReadOnlyList<int> values) =>
        AddArray(key, GgufValueType.Int32, values.Count, w => { foreach (var v in values) { w.Write(v); } });

    /// <summary>Adds an array of Float32.</summary>
    public void AddFloat32Array(string key, IReadOnlyList<float> values) =>
        AddArray(key, GgufValueType.Float32, values.Count, w => { foreach (var v in values) { w.Write(v); } });

    /// <summary>
    /// Adds a tensor whose data <paramref name="produce"/> writes when the file is written.
    /// </summary>
    /// <param name="name">The tensor name (unique).</param>
    /// <param name="type">The element type.</param>
    /// <param name="dimensions">The dimensions in ggml order: innermost (the row length) first.</param>
    /// <param name="produce">Writes exactly the tensor's bytes; the writer checks the count.</param>
    public void AddTensor(string name, GgmlType type, IReadOnlyList<long> dimensions, TensorDataProducer produce)
    {
        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        }
        if (dimensions.Count is 0 or > 4 || dimensions.Any(d => d < 0))
        {
            throw new ArgumentException($"tensor '{name}': 1 to 4 non-negative dimensions expected", nameof(dimensions));
        }
        var rowBytes = GgmlTypeTraits.RowBytes(type, dimensions[0]);
        if (rowBytes < 0)
        {
            throw new ArgumentException($"tensor '{name}': row length {dimensions[0]} is not a multiple of the {type} block size", nameof(dimensions));
        }
        var byteLength = dimensions.Skip(1).Aggregate(rowBytes, (product, d) => checked(product * d));
        _tensors.Add(new PendingTensor(name, type, [.. dimensions], byteLength, produce));
    }

    /// <summary>Adds a tensor whose bytes are already in memory.</summary>
    public void AddTensor(string name, GgmlType type, IReadOnlyList<long> dimensions, ReadOnlyMemory<byte> data) =>
        AddTensor(name, type, dimensions, stream => stream.Write(data.Span));

    /// <summary>Writes the file (through a temporary file renamed at the end).</summary>
    /// <exception cref="InvalidOperationException">A tensor producer wrote the wrong number of bytes.</exception>
    public void WriteTo(string path, CancellationToken cancellationToken = default)
    {
        var temporary = path + ".partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(stream, cancellationToken);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private void Write(Stream stream, CancellationToken cancellationToken)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(0x46554747u); // "GGUF"
        writer.Write(3u);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var (key, type, write) in _metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)type);
            write(writer);
        }
        long offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Dimensions.Length);
            foreach (var d in tensor.Dimensions)
            {
                writer.Write((ulong)d);
            }
            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset += AlignUp(tensor.ByteLength);
        }
        writer.Flush();
        Pad(stream);
        foreach (var tensor in _tensors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = stream.Position;
            tensor.Produce(stream);
            var written = stream.Position - start;
            if (written != tensor.ByteLength)
            {
                throw new InvalidOperationException($"tensor '{tensor.Name}': the producer wrote {written} bytes, expected {tensor.ByteLength}");
            }
            Pad(stream);
        }
    }

    private void Add(string key, GgufValueType type, Action<BinaryWriter> write)
    {
        if (!_keys.Add(key))
        {
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        }
        _metadata.Add((key, type, write));
    }

    private void AddArray(string key, GgufValueType elementType, int count, Action<BinaryWriter> writeElements) =>
        Add(key, GgufValueType.Array, w =>
        {
            w.Write((uint)elementType);
            w.Write((ulong)count);
            writeElements(w);
        });

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private long AlignUp(long value) => (value + Alignment - 1) / Alignment * Alignment;

    private void Pad(Stream stream)
    {
        Span<byte> zeros = stackalloc byte[Alignment <= 4096 ? Alignment : 4096];
        zeros.Clear();
        var padding = AlignUp(stream.Position) - stream.Position;
        while (padding > 0)
        {
            var chunk = (int)Math.Min(padding, zeros.Length);
            stream.Write(zeros[..chunk]);
            padding -= chunk;
        }
    }

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, long ByteLength, TensorDataProducer Produce);
}
