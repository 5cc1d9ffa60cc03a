using System.Runtime.InteropServices;
using MetalCore.ModelFiles;

namespace MetalCore.Quantization;

/// <summary>
/// Converts F32 values to the ggml types MetalCore writes (F32, F16, BF16, Q8_0, Q4_0), bit for
/// bit as ggml's reference code does, and decodes every type MetalCore reads back to F32.
/// Large inputs are split across threads at block boundaries.
/// </summary>
internal static class GgmlQuantizer
{
    // Below this many elements the work is too small to be worth other threads.
    private const int ParallelThreshold = 1 << 20;

    /// <summary>True for the types <see cref="Quantize"/> can produce.</summary>
    public static bool CanQuantizeTo(GgmlType type) =>
        type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0 or GgmlType.Q4_0;

    /// <summary>True for the types <see cref="Dequantize"/> can decode.</summary>
    public static bool CanDequantize(GgmlType type) => GgmlTypeTraits.IsSupported(type);

    /// <summary>The bytes that <paramref name="elements"/> values of <paramref name="type"/> take.</summary>
    /// <exception cref="ArgumentException">The count is not a whole number of the type's blocks.</exception>
    public static long ByteCount(GgmlType type, long elements)
    {
        var bytes = GgmlTypeTraits.RowBytes(type, elements);
        return bytes >= 0
            ? bytes
            : throw new ArgumentException($"{elements} values are not a whole number of {type} blocks of {GgmlTypeTraits.BlockSize(type)}", nameof(elements));
    }

    /// <summary>Encodes <paramref name="source"/> as <paramref name="type"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The type cannot be produced, or the lengths do not match.</exception>
    public static void Quantize(ReadOnlySpan<float> source, GgmlType type, Span<byte> destination)
    {
        if (!CanQuantizeTo(type))
        {
            throw new ArgumentException($"quantizing to {type} is not supported (supported: F32, F16, BF16, Q8_0, Q4_0)", nameof(type));
        }
        CheckLengths(type, source.Length, destination.Length);
        ForEachChunk(type, source.Length, source, destination, static (type, values, bytes) =>
        {
            switch (type)
            {
                case GgmlType.F32: MemoryMarshal.AsBytes(values).CopyTo(bytes); break;
                case GgmlType.F16: HalfCodec.Encode(values, bytes); break;
                case GgmlType.BF16: BFloat16Codec.Encode(values, bytes); break;
                case GgmlType.Q8_0: Q8_0Codec.Encode(values, bytes); break;
                default: Q4_0Codec.Encode(values, bytes); break;
            }
        });
    }

    /// <summary>Decodes <paramref name="source"/>, holding values of <paramref name="type"/>, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The type cannot be decoded, or the lengths do not match.</exception>
    public static void Dequantize(ReadOnlySpan<byte> source, GgmlType type, Span<float> destination)
    {
        if (!CanDequantize(type))
        {
            throw new ArgumentException($"decoding {type} is not supported", nameof(type));
        }
        CheckLengths(type, destination.Length, source.Length);
        switch (type)
        {
            case GgmlType.F32: source.CopyTo(MemoryMarshal.AsBytes(destination)); break;
            case GgmlType.F16: HalfCodec.Decode(source, destination); break;
            case GgmlType.BF16: BFloat16Codec.Decode(source, destination); break;
            case GgmlType.Q8_0: Q8_0Codec.Decode(source, destination); break;
            case GgmlType.Q4_0: Q4_0Codec.Decode(source, destination); break;
            case GgmlType.Q4_1: Q4_1Codec.Decode(source, destination); break;
            case GgmlType.Q5_0: Q5Codec.DecodeQ5_0(source, destination); break;
            default: Q5Codec.DecodeQ5_1(source, destination); break;
        }
    }

    private static void CheckLengths(GgmlType type, long values, long bytes)
    {
        var expected = ByteCount(type, values);
        if (expected != bytes)
        {
            throw new ArgumentException($"{values} values of {type} take {expected} bytes, but the byte span has {bytes}");
        }
    }

    private delegate void ChunkAction(GgmlType type, ReadOnlySpan<float> values, Span<byte> bytes);

    // Splits the work into chunks of whole blocks and runs them in parallel when it is large.
    private static unsafe void ForEachChunk(GgmlType type, int count, ReadOnlySpan<float> source, Span<byte> destination, ChunkAction action)
    {
        if (count < ParallelThreshold)
        {
            action(type, source, destination);
            return;
        }
        var blockSize = GgmlTypeTraits.BlockSize(type);
        var blockBytes = GgmlTypeTraits.BlockBytes(type);
        var blocksPerChunk = ParallelThreshold / 4 / blockSize;
        var blockCount = count / blockSize;
        var chunks = (blockCount + blocksPerChunk - 1) / blocksPerChunk;
        fixed (float* input = source)
        fixed (byte* output = destination)
        {
            var inputAddress = (nint)input;
            var outputAddress = (nint)output;
            Parallel.For(0, chunks, chunk =>
            {
                var firstBlock = (long)chunk * blocksPerChunk;
                var blocks = (int)Math.Min(blocksPerChunk, blockCount - firstBlock);
                var values = new ReadOnlySpan<float>((float*)inputAddress + firstBlock * blockSize, blocks * blockSize);
                var bytes = new Span<byte>((byte*)outputAddress + firstBlock * blockBytes, blocks * blockBytes);
                action(type, values, bytes);
            });
        }
    }
}
