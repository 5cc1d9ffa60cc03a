using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace MetalCore.Quantization;

/// <summary>F32 ⇄ IEEE F16 (round to nearest even, as ggml and numpy convert).</summary>
internal static class HalfCodec
{
    public static void Encode(ReadOnlySpan<float> source, Span<byte> destination) =>
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));

    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
}
