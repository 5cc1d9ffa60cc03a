using System.Numerics;
using System.Runtime.InteropServices;

namespace MetalCore.Quantization;

/// <summary>
/// F32 ⇄ bfloat16 (the upper 16 bits of an F32). Encoding rounds to nearest even and turns every
/// NaN into a quiet NaN, exactly as ggml's fp32→bf16 and gguf-py's converter do.
/// </summary>
internal static class BFloat16Codec
{
    public static void Encode(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        var output = MemoryMarshal.Cast<byte, ushort>(destination);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var uints = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
            var shorts = MemoryMarshal.Cast<ushort, Vector<ushort>>(output);
            // Each Vector<ushort> holds the results of two Vector<uint>.
            for (var v = 0; v < shorts.Length; v++)
            {
                shorts[v] = Vector.Narrow(EncodeVector(uints[2 * v]), EncodeVector(uints[2 * v + 1]));
            }
            i = shorts.Length * Vector<ushort>.Count;
        }
        for (; i < bits.Length; i++)
        {
            output[i] = EncodeOne(bits[i]);
        }
    }

    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var input = MemoryMarshal.Cast<byte, ushort>(source);
        var output = MemoryMarshal.Cast<float, uint>(destination);
        for (var i = 0; i < input.Length; i++)
        {
            output[i] = (uint)input[i] << 16;
        }
    }

    internal static ushort EncodeOne(uint bits)
    {
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static Vector<uint> EncodeVector(Vector<uint> bits)
    {
        var isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFF), new Vector<uint>(0x7F80_0000));
        var rounded = (bits + new Vector<uint>(0x7FFF) + ((bits >> 16) & Vector<uint>.One)) >> 16;
        var quietNaN = (bits >> 16) | new Vector<uint>(0x40);
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded);
    }
}
