using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// Builds .safetensors files in test code (8-byte little-endian header length, JSON header padded
/// with spaces to 8 bytes, then the tensors back to back), as the Hugging Face library lays them out.
/// </summary>
internal sealed class SafetensorsBuilder
{
    private readonly List<(string Name, string DType, long[] Shape, byte[] Data)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = [];

    public SafetensorsBuilder Add(string name, string dtype, long[] shape, byte[] data)
    {
        _tensors.Add((name, dtype, shape, data));
        return this;
    }

    public SafetensorsBuilder AddF32(string name, long[] shape, float[] values) =>
        Add(name, "F32", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public SafetensorsBuilder Metadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    public byte[] ToBytes()
    {
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, shape, data) in _tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += data.Length;
            }
            json.WriteEndObject();
        }
        return Assemble(Encoding.UTF8.GetString(header.ToArray()), _tensors.SelectMany(t => t.Data).ToArray());
    }

    /// <summary>A file with the given header text (padded to 8 bytes) followed by <paramref name="data"/>.</summary>
    public static byte[] Assemble(string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }
}
