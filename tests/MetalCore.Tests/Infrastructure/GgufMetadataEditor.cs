using System.Buffers.Binary;
using System.Text;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// Copies a GGUF file with extra metadata (a chat template, an end-of-turn token), so tests can
/// give a real model keys it lacks. The keys go right after the header and a padding key keeps the
/// inserted length a multiple of the file's alignment, so every tensor stays where it was
/// relative to the (shifted, still aligned) data section.
/// </summary>
public static class GgufMetadataEditor
{
    private const int HeaderLength = 24; // magic, version, tensor count, metadata count
    private const int CountOffset = 16;
    private const uint UInt32Type = 4;
    private const uint StringType = 8;

    /// <summary>Writes <paramref name="destination"/>: <paramref name="source"/> plus the given keys, whose
    /// values are strings or <see cref="uint"/>s.</summary>
    public static void Add(string source, string destination, params (string Key, object Value)[] entries)
    {
        int alignment;
        using (var file = GgufFile.Open(source))
        {
            alignment = file.Alignment;
        }
        var original = File.ReadAllBytes(source);
        var inserted = new MemoryStream();
        foreach (var (key, value) in entries)
        {
            Write(inserted, key, value);
        }
        var fixedPart = inserted.Length + KeyValueLength("test.padding", "");
        var padding = (int)((alignment - fixedPart % alignment) % alignment);
        Write(inserted, "test.padding", new string(' ', padding));

        var output = new byte[original.Length + inserted.Length];
        original.AsSpan(0, HeaderLength).CopyTo(output);
        inserted.ToArray().CopyTo(output, HeaderLength);
        original.AsSpan(HeaderLength).CopyTo(output.AsSpan(HeaderLength + (int)inserted.Length));
        var count = BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(CountOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(CountOffset), count + (ulong)entries.Length + 1);
        File.WriteAllBytes(destination, output);
    }

    private static long KeyValueLength(string key, string value) =>
        8 + Encoding.UTF8.GetByteCount(key) + 4 + 8 + Encoding.UTF8.GetByteCount(value);

    private static void Write(Stream stream, string key, object value)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        WriteText(writer, key);
        switch (value)
        {
            case string text:
                writer.Write(StringType);
                WriteText(writer, text);
                break;
            case uint number:
                writer.Write(UInt32Type);
                writer.Write(number);
                break;
            default:
                throw new ArgumentException($"Metadata values are strings or uints, not {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteText(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }
}
