using System.Runtime.InteropServices;
using MetalCore.ModelFiles.Gguf;
using MetalCore.ModelFiles.Safetensors;
using MetalCore.Models;
using MetalCore.Runtime;

namespace MetalCore.ModelFiles;

/// <summary>
/// A model ready for the model loop, whatever its file format: architecture, hyperparameters, the
/// RoPE layout of its q/k weights, and every weight under its canonical (llama.cpp GGUF) name with
/// its shape checked against the hyperparameters. Opening validates everything; the weights stay
/// memory-mapped (zero-copy) until the description is disposed.
/// </summary>
internal sealed class ModelDescription : IDisposable
{
    private readonly IDisposable _files;
    private bool _disposed;

    private ModelDescription(string sourcePath, ModelFileFormat format, IDisposable files, GgufFile? gguf, SafetensorsCheckpoint? safetensors)
    {
        SourcePath = sourcePath;
        Format = format;
        _files = files;
        Gguf = gguf;
        Safetensors = safetensors;
    }

    /// <summary>The GGUF file or model directory the model was read from.</summary>
    public string SourcePath { get; }

    /// <summary>The format of <see cref="SourcePath"/>.</summary>
    public ModelFileFormat Format { get; }

    /// <summary>The architecture.</summary>
    public ModelArchitecture Architecture { get; private set; }

    /// <summary>The sizes and constants.</summary>
    public ModelHyperparameters Hyperparameters { get; private set; } = null!;

    /// <summary>
    /// The RoPE pairing the q/k weights were stored for: <see cref="RopeLayout.Interleaved"/> for
    /// GGUF llama (llama.cpp permutes q/k), <see cref="RopeLayout.NeoX"/> for GGUF qwen3 and for
    /// every Hugging Face model.
    /// </summary>
    public RopeLayout RopeLayout { get; private set; }

    /// <summary>
    /// Per-pair divisors of the RoPE frequencies (Llama 3 scaling: the model uses θ_i / factor_i),
    /// from GGUF's <c>rope_freqs.weight</c> or computed from the Hugging Face config; null when the
    /// model uses plain RoPE.
    /// </summary>
    public float[]? RopeFrequencyFactors { get; private set; }

    /// <summary>The token embedding, [vocab, hidden].</summary>
    public ModelTensor TokenEmbedding { get; private set; } = null!;

    /// <summary>The final RMSNorm weight, [hidden].</summary>
    public ModelTensor OutputNorm { get; private set; } = null!;

    /// <summary>The output projection (logits), [vocab, hidden]: the token embedding itself when embeddings are tied.</summary>
    public ModelTensor Output { get; private set; } = null!;

    /// <summary>The transformer blocks, in order.</summary>
    public IReadOnlyList<ModelLayer> Layers { get; private set; } = [];

    /// <summary>The GGUF file (for its tokenizer metadata), when the model came from one.</summary>
    public GgufFile? Gguf { get; }

    /// <summary>The safetensors weights, when the model came from a Hugging Face directory.</summary>
    public SafetensorsCheckpoint? Safetensors { get; }

    /// <summary>
    /// Every mapped file holding weights, whole (from its page-aligned first byte): a device
    /// can wrap each once and address every tensor in it by <see cref="ModelTensor.FileOffset"/>.
    /// </summary>
    public IReadOnlyList<MappedRegion> MappedFiles
    {
        get
        {
            ThrowIfDisposed();
            return Gguf is { } gguf
                ? [new MappedRegion(gguf.FilePath, gguf.BaseAddress, gguf.FileLength)]
                : Safetensors!.Files.Select(f => new MappedRegion(f.FilePath, f.BaseAddress, f.FileLength)).ToArray();
        }
    }

    /// <summary>
    /// Opens a model: a path to a file is read as GGUF, a path to a directory as a Hugging Face
    /// safetensors model (config.json plus model.safetensors or sharded weights).
    /// </summary>
    /// <exception cref="ModelFileException">The model is missing, invalid or inconsistent.</exception>
    /// <exception cref="UnsupportedModelException">The model needs something MetalCore does not implement.</exception>
    public static ModelDescription Open(string path)
    {
        if (Directory.Exists(path))
        {
            return OpenHuggingFace(path);
        }
        if (File.Exists(path))
        {
            return OpenGguf(path);
        }
        throw new ModelFileException(path, "no such file or directory");
    }

    /// <summary>Unmaps the model's files; tensors handed out before become invalid.</summary>
    public void Dispose()
    {
        _disposed = true;
        _files.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static ModelDescription OpenGguf(string path)
    {
        var file = GgufFile.Open(path);
        var model = new ModelDescription(path, ModelFileFormat.Gguf, file, file, null);
        try
        {
            model.Architecture = GgufModelReader.ReadArchitecture(file);
            model.Hyperparameters = GgufModelReader.ReadHyperparameters(file, model.Architecture);
            model.RopeLayout = model.Architecture == ModelArchitecture.Llama ? RopeLayout.Interleaved : RopeLayout.NeoX;
            model.Bind(name => file.TryGetTensor(name, out var t) ? model.FromGguf(file, t) : null);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ModelDescription OpenHuggingFace(string directory)
    {
        var (architecture, hyperparameters) = HfModelConfig.Read(directory);
        var checkpoint = SafetensorsCheckpoint.Open(directory);
        var model = new ModelDescription(directory, ModelFileFormat.Safetensors, checkpoint, null, checkpoint);
        try
        {
            model.Architecture = architecture;
            // A checkpoint saved with tied embeddings has no lm_head.weight even when the config
            // forgets to say so; transformers then ties them too.
            model.Hyperparameters = hyperparameters with
            {
                TiedEmbeddings = hyperparameters.TiedEmbeddings || !checkpoint.TryGetTensor("lm_head.weight", out _),
            };
            model.RopeLayout = RopeLayout.NeoX;
            model.Bind(name => TensorNames.GgufToHf(name) is { } hfName && checkpoint.TryGetTensor(hfName, out var t)
                ? model.FromSafetensors(name, t)
                : null);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void Bind(Func<string, ModelTensor?> lookup)
    {
        var hp = Hyperparameters;
        hp.Validate(SourcePath);
        var binder = new TensorBinder(SourcePath, Architecture, hp, lookup);
        TokenEmbedding = binder.Require(TensorNames.TokenEmbedding);
        OutputNorm = binder.Require(TensorNames.OutputNorm);
        Output = hp.TiedEmbeddings ? TokenEmbedding : binder.Require(TensorNames.Output);
        Layers = Enumerable.Range(0, hp.LayerCount).Select(i => new ModelLayer(i, binder)).ToArray();
        RopeFrequencyFactors = binder.Optional(TensorNames.RopeFrequencies) is { } factors
            ? ReadFrequencyFactors(factors)
            : hp.RopeScaling?.ComputeFrequencyFactors(hp.RopeDimensions, hp.RopeTheta);
    }

    private static float[] ReadFrequencyFactors(ModelTensor tensor)
    {
        if (tensor.Type != GgmlType.F32)
        {
            throw new ModelFileException(tensor.FilePath, $"tensor '{tensor.Name}' has type {tensor.Type}, expected F32");
        }
        var factors = MemoryMarshal.Cast<byte, float>(tensor.Bytes).ToArray();
        var bad = Array.FindIndex(factors, f => !(f > 0) || float.IsInfinity(f));
        return bad < 0
            ? factors
            : throw new ModelFileException(tensor.FilePath, $"tensor '{tensor.Name}' holds {factors[bad]} at index {bad}, expected positive frequency factors");
    }

    private ModelTensor FromGguf(GgufFile file, GgufTensorInfo info)
    {
        RequireSupported(info.Type.ToString(), GgmlTypeTraits.IsSupported(info.Type), info.Name, "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1");
        // ggml lists dimensions innermost first; descriptions use outermost first.
        var shape = info.Dimensions.Reverse().ToArray();
        return new ModelTensor(this, info.Name, info.Name, info.Type, shape, file.FilePath, info.FileOffset, info.ByteLength, file.GetTensorPointer(info));
    }

    private ModelTensor FromSafetensors(string name, SafetensorsTensorInfo info)
    {
        RequireSupported(info.DType, info.Type is not null, info.Name, "F32, F16, BF16");
        return new ModelTensor(this, name, info.Name, info.Type!.Value, [.. info.Shape], info.File.FilePath, info.FileOffset, info.ByteLength,
            info.File.GetTensorPointer(info));
    }

    private void RequireSupported(string type, bool supported, string tensor, string supportedTypes)
    {
        if (!supported)
        {
            throw new UnsupportedModelException(SourcePath, $"unsupported tensor type {type} for tensor '{tensor}' (supported: {supportedTypes})");
        }
    }
}

/// <summary>A whole memory-mapped file: its path, first byte and length.</summary>
internal readonly record struct MappedRegion(string FilePath, nint Address, long Length);
