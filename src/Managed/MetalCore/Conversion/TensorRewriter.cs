using MetalCore.ModelFiles;
using MetalCore.Quantization;

namespace MetalCore.Conversion;

/// <summary>
/// Streams one mapped tensor into a GGUF file as another element type, optionally reordering its
/// rows, a bounded chunk of rows at a time: a tensor is never held whole in memory. Rows that
/// keep their type are copied byte for byte.
/// </summary>
internal static class TensorRewriter
{
    // Rows are converted in chunks of about this many values (4 MB of floats).
    private const int ChunkValues = 1 << 20;

    /// <summary>Writes <paramref name="source"/> as <paramref name="target"/>.</summary>
    /// <param name="source">The tensor, [rows, cols] or [cols] (outermost first).</param>
    /// <param name="target">The element type to write; the row length must be a whole number of its blocks.</param>
    /// <param name="sourceRow">For output row r, the source row to take (null: the same row).</param>
    /// <param name="destination">The GGUF data stream.</param>
    public static unsafe void Write(ModelTensor source, GgmlType target, Func<long, long>? sourceRow, Stream destination)
    {
        var cols = source.Shape[^1];
        var rows = source.ElementCount / Math.Max(cols, 1);
        var sourceRowBytes = GgmlTypeTraits.RowBytes(source.Type, cols);
        var targetRowBytes = GgmlTypeTraits.RowBytes(target, cols);
        var rowsPerChunk = (int)Math.Clamp(ChunkValues / Math.Max(cols, 1), 1, Math.Max(rows, 1));
        var values = source.Type == target ? [] : new float[rowsPerChunk * cols];
        var output = new byte[rowsPerChunk * targetRowBytes];
        var address = (byte*)source.Address;
        for (long first = 0; first < rows; first += rowsPerChunk)
        {
            var count = (int)Math.Min(rowsPerChunk, rows - first);
            for (var i = 0; i < count; i++)
            {
                var row = new ReadOnlySpan<byte>(address + (sourceRow?.Invoke(first + i) ?? first + i) * sourceRowBytes, checked((int)sourceRowBytes));
                if (source.Type == target)
                {
                    row.CopyTo(output.AsSpan(i * (int)targetRowBytes));
                }
                else
                {
                    GgmlQuantizer.Dequantize(row, source.Type, values.AsSpan(i * (int)cols, (int)cols));
                }
            }
            if (source.Type != target)
            {
                GgmlQuantizer.Quantize(values.AsSpan(0, count * (int)cols), target, output.AsSpan(0, count * (int)targetRowBytes));
            }
            destination.Write(output, 0, count * (int)targetRowBytes);
        }
    }

    /// <summary>
    /// llama.cpp's permutation of Llama q/k rows (convert_hf_to_gguf.py's <c>permute</c>): within
    /// each head of <paramref name="headDim"/> rows, Hugging Face's halves layout (pair i is rows
    /// i and i + d/2) becomes the interleaved layout (pair i is rows 2i and 2i + 1), the layout
    /// llama.cpp's "normal" rope rotates. Returns, for output row r, the source row.
    /// </summary>
    public static Func<long, long> InterleaveRopeHalves(int headDim)
    {
        var half = headDim / 2;
        return row =>
        {
            var head = row / headDim;
            var within = (int)(row % headDim);
            // Output row 2i + j of a head holds source row j * d/2 + i.
            return head * headDim + within % 2 * half + within / 2;
        };
    }
}
