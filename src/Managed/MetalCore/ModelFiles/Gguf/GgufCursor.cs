using System.Buffers.Binary;

namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// A bounds-checked little-endian reader over a mapped GGUF file. Every read checks the bytes it
/// needs against the file length first, and every count is checked against the bytes left, so a
/// corrupt length becomes a <see cref="ModelFileException"/> naming the item being read.
/// </summary>
internal unsafe struct GgufCursor
{
    private readonly byte* _base;
    private readonly long _length;
    private readonly string _path;

    public GgufCursor(byte* baseAddress, long length, string path, long position = 0)
    {
        _base = baseAddress;
        _length = length;
        _path = path;
        Position = position;
        Context = "header";
    }

    /// <summary>The offset of the next byte to read.</summary>
    public long Position { get; private set; }

    /// <summary>What is being read (for error messages), e.g. "metadata key 'general.name'".</summary>
    public string Context { get; set; }

    public readonly long Remaining => _length - Position;

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a 32-bit value"));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "a 64-bit value"));

    /// <summary>
    /// Reads a 64-bit element count and checks that <paramref name="minBytesPerItem"/> bytes per
    /// element still fit in the file, so the count can be trusted for allocation and loops.
    /// </summary>
    public long ReadCount(string what, long minBytesPerItem)
    {
        var start = Position;
        var count = ReadUInt64();
        if (count > (ulong)(Remaining / minBytesPerItem))
        {
            throw Error($"{what} is {count}, but the {Remaining} bytes left in the file hold at most {Remaining / minBytesPerItem}", start);
        }
        return (long)count;
    }

    /// <summary>Reads a GGUF string (64-bit length, then UTF-8 bytes) and returns the offset and length of its bytes.</summary>
    public (long Offset, int Length) ReadStringBounds()
    {
        var start = Position;
        var length = ReadUInt64();
        if (length > (ulong)Remaining)
        {
            throw Error($"string length is {length} bytes, but only {Remaining} bytes are left in the file", start);
        }
        if (length > int.MaxValue)
        {
            throw Error($"string length {length} bytes exceeds the supported maximum of {int.MaxValue}", start);
        }
        var offset = Position;
        Position += (long)length;
        return (offset, (int)length);
    }

    public string ReadString()
    {
        var (offset, length) = ReadStringBounds();
        return GgufStrings.Decode(new ReadOnlySpan<byte>(_base + offset, length));
    }

    /// <summary>Skips <paramref name="count"/> items of <paramref name="itemBytes"/> bytes, which the caller has bounded.</summary>
    public void Skip(long count, int itemBytes, string what)
    {
        var bytes = count * itemBytes;
        if (bytes > Remaining)
        {
            throw Error($"{what} needs {bytes} bytes, but only {Remaining} are left in the file", Position);
        }
        Position += bytes;
    }

    public readonly ModelFileException Error(string detail, long offset) =>
        new(_path, $"{Context}: {detail} (at byte offset {offset})");

    private ReadOnlySpan<byte> Take(int bytes, string what)
    {
        if (Remaining < bytes)
        {
            throw Error($"unexpected end of file: needs {bytes} bytes for {what}, {Remaining} left", Position);
        }
        var span = new ReadOnlySpan<byte>(_base + Position, bytes);
        Position += bytes;
        return span;
    }
}

/// <summary>How GGUF strings become .NET strings.</summary>
internal static class GgufStrings
{
    // Lenient: invalid UTF-8 becomes U+FFFD (as llama.cpp never rejects it either), so a file
    // with one odd token still opens; keys are compared exactly, so a damaged key simply
    // does not match.
    public static string Decode(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
