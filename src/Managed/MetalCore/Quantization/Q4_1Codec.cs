using System.Buffers.Binary;

namespace MetalCore.Quantization;

/// <summary>
/// ggml's Q4_1 (decoding only): blocks of 32 values stored as F16 scale <c>d</c>, F16 minimum
/// <c>m</c> and 16 bytes of 4-bit codes (low nibble: value j, high: value j+16); value = code·d + m.
/// </summary>
internal static class Q4_1Codec
{
    public const int BlockSize = 32;
    public const int BlockBytes = 4 + BlockSize / 2;

    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var b = 0; b < destination.Length / BlockSize; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            var m = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
            var y = destination.Slice(b * BlockSize, BlockSize);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                y[j] = (block[4 + j] & 0x0F) * d + m;
                y[j + BlockSize / 2] = (block[4 + j] >> 4) * d + m;
            }
        }
    }
}
