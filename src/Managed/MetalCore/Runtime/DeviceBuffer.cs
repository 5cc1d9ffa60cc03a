using MetalCore.Interop;
using MetalCore.ModelFiles;

namespace MetalCore.Runtime;

/// <summary>Memory on the compute device (or wrapped host memory, for weights).</summary>
internal sealed unsafe class DeviceBuffer : IDisposable
{
    internal DeviceBuffer(BufferHandle handle, ulong size)
    {
        Handle = handle;
        Size = size;
    }

    internal BufferHandle Handle { get; }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Copies <paramref name="source"/> into the buffer at <paramref name="offset"/> bytes.</summary>
    public void Write<T>(ReadOnlySpan<T> source, ulong offset = 0) where T : unmanaged
    {
        fixed (T* pointer = source)
        {
            NativeErrors.Check(NativeMethods.BufferWrite(Handle.Pointer, offset, pointer, (ulong)(source.Length * sizeof(T))));
        }
    }

    /// <summary>Waits for the device, then copies buffer contents into <paramref name="destination"/>.</summary>
    public void Read<T>(Span<T> destination, ulong offset = 0) where T : unmanaged
    {
        fixed (T* pointer = destination)
        {
            NativeErrors.Check(NativeMethods.BufferRead(Handle.Pointer, offset, pointer, (ulong)(destination.Length * sizeof(T))));
        }
    }

    /// <summary>A view of the whole buffer as <paramref name="rows"/> rows of <paramref name="cols"/> elements.</summary>
    public TensorView View(GgmlType type, int rows, int cols, ulong offset = 0) => new(this, type, rows, cols, offset);

    public void Dispose() => Handle.Dispose();
}
