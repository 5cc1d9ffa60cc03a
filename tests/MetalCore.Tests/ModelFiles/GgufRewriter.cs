using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// Copies a GGUF file through <see cref="GgufWriter"/> with chosen metadata and tensors replaced,
/// dropped or added, so tests can make one precise change to a real model.
/// </summary>
internal sealed class GgufRewriter(string sourcePath)
{
    private readonly Dictionary<string, Action<GgufWriter>?> _metadata = [];
    private readonly Dictionary<string, (GgmlType Type, long[] Dims, byte[] Data)?> _tensors = [];

    public GgufRewriter SetUInt32(string key, uint value) { _metadata[key] = w => w.AddUInt32(key, value); return this; }
    public GgufRewriter SetString(string key, string value) { _metadata[key] = w => w.AddString(key, value); return this; }
    public GgufRewriter RemoveKey(string key) { _metadata[key] = null; return this; }
    public GgufRewriter SetTensor(string name, GgmlType type, long[] dims, byte[] data) { _tensors[name] = (type, dims, data); return this; }
    public GgufRewriter RemoveTensor(string name) { _tensors[name] = null; return this; }

    public void WriteTo(string path)
    {
        using var source = GgufFile.Open(sourcePath);
        var writer = new GgufWriter();
        foreach (var value in source.Metadata)
        {
            if (_metadata.TryGetValue(value.Key, out var replacement))
            {
                replacement?.Invoke(writer);
                continue;
            }
            Copy(value, writer);
        }
        foreach (var (key, add) in _metadata.Where(m => m.Value is not null && !source.ContainsKey(m.Key)))
        {
            add!(writer);
        }
        foreach (var tensor in source.Tensors)
        {
            if (_tensors.TryGetValue(tensor.Name, out var replacement))
            {
                if (replacement is { } r)
                {
                    writer.AddTensor(tensor.Name, r.Type, r.Dims, r.Data);
                }
                continue;
            }
            writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, source.GetTensorBytes(tensor).ToArray());
        }
        foreach (var (name, added) in _tensors.Where(t => t.Value is not null && !source.TryGetTensor(t.Key, out _)))
        {
            writer.AddTensor(name, added!.Value.Type, added.Value.Dims, added.Value.Data);
        }
        writer.WriteTo(path);
    }

    // The value types real model files use.
    private static void Copy(GgufValue value, GgufWriter writer)
    {
        switch (value.Type)
        {
            case GgufValueType.String: writer.AddString(value.Key, value.AsString()); break;
            case GgufValueType.UInt32: writer.AddUInt32(value.Key, value.AsUInt32()); break;
            case GgufValueType.Int32: writer.AddInt32(value.Key, value.AsInt32()); break;
            case GgufValueType.Float32: writer.AddFloat32(value.Key, value.AsSingle()); break;
            case GgufValueType.Bool: writer.AddBool(value.Key, value.AsBoolean()); break;
            case GgufValueType.Array when value.ElementType == GgufValueType.String: writer.AddStringArray(value.Key, value.AsStringArray()); break;
            case GgufValueType.Array when value.ElementType == GgufValueType.Float32: writer.AddFloat32Array(value.Key, value.AsSingleArray()); break;
            case GgufValueType.Array when value.ElementType == GgufValueType.Int32: writer.AddInt32Array(value.Key, value.AsInt32Array()); break;
            default: throw new NotSupportedException($"test rewriter cannot copy {value.Key} ({value.Type})");
        }
    }
}
