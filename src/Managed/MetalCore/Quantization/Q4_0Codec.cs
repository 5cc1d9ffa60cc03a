using System.Buffers.Binary;

namespace MetalCore.Quantization;

/// <summary>
/// ggml's Q4_0: blocks of 32 values stored as an F16 scale <c>d</c> and 16 bytes of 4-bit codes
/// (byte j: value j in the low nibble, value j+16 in the high one), value = (code − 8)·d.
/// Quantization matches ggml's reference (quantize_row_q4_0_ref) bit for bit: the value of
/// largest magnitude (the first one on ties) maps to code 0, so d = that value / −8, and
/// code = min(15, trunc(x·(1/d) + 8.5)).
/// </summary>
internal static class Q4_0Codec
{
    public const int BlockSize = 32;
    public const int BlockBytes = 2 + BlockSize / 2;

    public static void Encode(ReadOnlySpan<float> source, Span<byte> destination)
    {
        for (var b = 0; b < source.Length / BlockSize; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            var d = SignedMaxMagnitude(x) / -8f;
            var inverse = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                block[2 + j] = (byte)(Code(x[j], inverse) | (Code(x[j + BlockSize / 2], inverse) << 4));
            }
        }
    }

    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var b = 0; b < destination.Length / BlockSize; b++)
        {
            var block = source.Slice(b * BlockBytes, BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            var y = destination.Slice(b * BlockSize, BlockSize);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                y[j] = ((block[2 + j] & 0x0F) - 8) * d;
                y[j + BlockSize / 2] = ((block[2 + j] >> 4) - 8) * d;
            }
        }
    }

    // The (signed) value of largest magnitude; the first wins ties, so [-2, 2] gives -2.
    private static float SignedMaxMagnitude(ReadOnlySpan<float> x)
    {
        var magnitude = 0f;
        var value = 0f;
        foreach (var v in x)
        {
            if (magnitude < MathF.Abs(v))
            {
                magnitude = MathF.Abs(v);
                value = v;
            }
        }
        return value;
    }

    // x·(1/d) lies in [-8, 8], so x·(1/d) + 8.5 is positive and the int cast truncates like C's.
    private static int Code(float x, float inverse) => Math.Min(15, (int)(x * inverse + 8.5f));
}
