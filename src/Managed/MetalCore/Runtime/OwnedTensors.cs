using MetalCore.ModelFiles;

namespace MetalCore.Runtime;

/// <summary>Allocates tensors of one context and disposes them together.</summary>
internal sealed class OwnedTensors(ComputeContext context) : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];

    /// <summary>A new zero-filled packed tensor, owned by this set.</summary>
    public TensorView Allocate(GgmlType type, int rows, int cols)
    {
        var view = context.AllocateTensor(type, rows, cols);
        _buffers.Add(view.Buffer);
        return view;
    }

    /// <summary>A buffer created elsewhere that this set now owns.</summary>
    public DeviceBuffer Adopt(DeviceBuffer buffer)
    {
        _buffers.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
        _buffers.Clear();
    }
}
