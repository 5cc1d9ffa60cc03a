using MetalCore.Interop;
using MetalCore.ModelFiles;

namespace MetalCore.Runtime;

/// <summary>
/// A 2-D view (rows × cols) of a device buffer, as the native ops take it. A view does not own
/// memory; the same bytes can be viewed with another shape (tokens × hidden, or
/// tokens·heads × head_dim) without copying.
/// </summary>
internal readonly record struct TensorView(DeviceBuffer Buffer, GgmlType Type, int Rows, int Cols, ulong Offset = 0, ulong RowStride = 0)
{
    /// <summary>Bytes of one packed row.</summary>
    public ulong RowBytes => (ulong)GgmlTypeTraits.RowBytes(Type, Cols);

    /// <summary>The first <paramref name="count"/> rows starting at <paramref name="first"/>.</summary>
    public TensorView Slice(int first, int count) =>
        this with { Rows = count, Offset = Offset + (ulong)first * (RowStride == 0 ? RowBytes : RowStride) };

    /// <summary>The same packed bytes seen as rows of <paramref name="cols"/> elements.</summary>
    public TensorView Reshape(int rows, int cols)
    {
        if (RowStride != 0 && RowStride != RowBytes || (long)rows * cols != (long)Rows * Cols)
        {
            throw new InvalidOperationException($"Cannot view {Rows} x {Cols} {Type} as {rows} x {cols}.");
        }
        return this with { Rows = rows, Cols = cols };
    }

    internal unsafe Tensor ToNative() => new()
    {
        Buffer = Buffer.Handle.Pointer,
        Offset = Offset,
        RowStride = RowStride,
        Dtype = (int)Type,
        Rows = Rows,
        Cols = Cols,
    };
}
