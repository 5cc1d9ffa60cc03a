using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>Keys and values of every layer for one sequence of up to <see cref="Capacity"/> tokens.</summary>
internal sealed class KvCache : IDisposable
{
    private readonly OwnedTensors _tensors;

    public KvCache(ComputeContext context, TransformerConfig config, int capacity, GgmlType type)
    {
        _tensors = new OwnedTensors(context);
        Capacity = capacity;
        var keys = new TensorView[config.Layers];
        var values = new TensorView[config.Layers];
        for (var layer = 0; layer < config.Layers; layer++)
        {
            keys[layer] = _tensors.Allocate(type, capacity, config.KeyValueWidth);
            values[layer] = _tensors.Allocate(type, capacity, config.KeyValueWidth);
        }
        Keys = keys;
        Values = values;
    }

    /// <summary>Tokens the cache holds at most.</summary>
    public int Capacity { get; }

    public IReadOnlyList<TensorView> Keys { get; }
    public IReadOnlyList<TensorView> Values { get; }

    public void Dispose() => _tensors.Dispose();
}
