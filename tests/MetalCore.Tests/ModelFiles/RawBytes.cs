using System.Text;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// Writes little-endian values byte by byte, so tests can hand-build GGUF files (valid or
/// deliberately broken) independently of the library's own writer.
/// </summary>
internal sealed class RawBytes
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    public RawBytes()
    {
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
    }

    public long Length => _stream.Length;

    public RawBytes U8(byte value) { _writer.Write(value); return this; }
    public RawBytes U32(uint value) { _writer.Write(value); return this; }
    public RawBytes I32(int value) { _writer.Write(value); return this; }
    public RawBytes U64(ulong value) { _writer.Write(value); return this; }
    public RawBytes F32(float value) { _writer.Write(value); return this; }
    public RawBytes F64(double value) { _writer.Write(value); return this; }
    public RawBytes Bytes(ReadOnlySpan<byte> value) { _writer.Write(value); return this; }

    /// <summary>A GGUF string: 64-bit byte length, then the UTF-8 bytes.</summary>
    public RawBytes Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return U64((ulong)bytes.Length).Bytes(bytes);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public RawBytes PadTo(int alignment)
    {
        while (_stream.Length % alignment != 0)
        {
            _writer.Write((byte)0);
        }
        return this;
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }
}
