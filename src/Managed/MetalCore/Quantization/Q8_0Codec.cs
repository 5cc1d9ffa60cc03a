using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MetalCore.Quantization;

/// <summary>
/// ggml's Q8_0: blocks of 32 values stored as an F16 scale <c>d</c> and 32 signed bytes <c>q</c>,
/// value = q·d. Quantization matches ggml's reference (quantize_row_q8_0_ref) bit for bit:
/// d = max|x| / 127, q = round-half-away-from-zero(x / d) computed as x·(1/d).
/// </summary>
internal static class Q8_0Codec
{
    public const int BlockSize = 32;
    public const int BlockBytes = 2 + BlockSize;

    public static void Encode(ReadOnlySpan<float> source, Span<byte> destination)
    {
        Span<int> quants = stackalloc int[BlockSize];
        for (var b = 0; b < source.Length / BlockSize; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            var d = MaxAbs(x) / 127f;
            var inverse = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            RoundHalfAwayFromZero(x, inverse, quants);
            for (var j = 0; j < BlockSize; j++)
            {
                block[2 + j] = (byte)(sbyte)quants[j];
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
            for (var j = 0; j < BlockSize; j++)
            {
                y[j] = (sbyte)block[2 + j] * d;
            }
        }
    }

    private static float MaxAbs(ReadOnlySpan<float> x)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
        var max = Vector<float>.Zero;
        foreach (var v in vectors)
        {
            max = Vector.Max(max, Vector.Abs(v));
        }
        var result = 0f;
        for (var i = 0; i < Vector<float>.Count; i++)
        {
            result = MathF.Max(result, max[i]);
        }
        for (var i = vectors.Length * Vector<float>.Count; i < x.Length; i++)
        {
            result = MathF.Max(result, MathF.Abs(x[i]));
        }
        return result;
    }

    // q = roundf(x·scale), C's roundf: halves go away from zero. Computed as
    // sign · (trunc|p| + (frac|p| ≥ 0.5)), exact because |p| - trunc|p| is exact in float.
    private static void RoundHalfAwayFromZero(ReadOnlySpan<float> x, float scale, Span<int> result)
    {
        var inputs = MemoryMarshal.Cast<float, Vector<float>>(x);
        var outputs = MemoryMarshal.Cast<int, Vector<int>>(result);
        var half = new Vector<float>(0.5f);
        for (var v = 0; v < inputs.Length; v++)
        {
            var p = inputs[v] * new Vector<float>(scale);
            var magnitude = Vector.Abs(p);
            var whole = Vector.ConvertToInt32(magnitude);
            var fraction = magnitude - Vector.ConvertToSingle(whole);
            // A true comparison lane is all ones (-1): subtracting it adds one.
            var rounded = whole - Vector.GreaterThanOrEqual(fraction, half);
            outputs[v] = Vector.ConditionalSelect(Vector.LessThan(p, Vector<float>.Zero), -rounded, rounded);
        }
        for (var i = inputs.Length * Vector<float>.Count; i < x.Length; i++)
        {
            result[i] = (int)MathF.Round(x[i] * scale, MidpointRounding.AwayFromZero);
        }
    }
}
