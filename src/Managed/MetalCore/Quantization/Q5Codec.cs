using System.Buffers.Binary;

namespace MetalCore.Quantization;

/// <summary>
/// ggml's Q5_0 and Q5_1 (decoding only). A block of 32 values holds an F16 scale <c>d</c>
/// (Q5_1: then an F16 minimum <c>m</c>), a 32-bit little-endian word <c>qh</c> whose bit j is the
/// fifth bit of value j, and 16 bytes of low nibbles (value j low, value j+16 high).
/// Q5_0: value = (code − 16)·d. Q5_1: value = code·d + m.
/// </summary>
internal static class Q5Codec
{
    public const int BlockSize = 32;
    public const int Q5_0BlockBytes = 2 + 4 + BlockSize / 2;
    public const int Q5_1BlockBytes = 4 + 4 + BlockSize / 2;

    public static void DecodeQ5_0(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<int> codes = stackalloc int[BlockSize];
        for (var b = 0; b < destination.Length / BlockSize; b++)
        {
            var block = source.Slice(b * Q5_0BlockBytes, Q5_0BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            ReadCodes(block[2..], codes);
            var y = destination.Slice(b * BlockSize, BlockSize);
            for (var j = 0; j < BlockSize; j++)
            {
                y[j] = (codes[j] - 16) * d;
            }
        }
    }

    public static void DecodeQ5_1(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<int> codes = stackalloc int[BlockSize];
        for (var b = 0; b < destination.Length / BlockSize; b++)
        {
            var block = source.Slice(b * Q5_1BlockBytes, Q5_1BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            var m = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
            ReadCodes(block[4..], codes);
            var y = destination.Slice(b * BlockSize, BlockSize);
            for (var j = 0; j < BlockSize; j++)
            {
                y[j] = codes[j] * d + m;
            }
        }
    }

    // highAndLow: qh (4 bytes) then the 16 nibble bytes.
    private static void ReadCodes(ReadOnlySpan<byte> highAndLow, Span<int> codes)
    {
        var qh = BinaryPrimitives.ReadUInt32LittleEndian(highAndLow);
        var low = highAndLow[4..];
        for (var j = 0; j < BlockSize / 2; j++)
        {
            codes[j] = (low[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
            codes[j + BlockSize / 2] = (low[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
        }
    }
}
