using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tokenization;

namespace MetalCore;

/// <summary>How a model is loaded.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Where the model runs; <see cref="ComputeBackend.Auto"/> prefers a GPU.</summary>
    public ComputeBackend Backend { get; init; } = ComputeBackend.Auto;

    /// <summary>CPU worker threads; 0 = one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>Ask the device for a higher scheduling priority (CUDA stream priority, Metal
    /// user-interactive encoding thread).</summary>
    public bool HighPriority { get; init; }
}

/// <summary>
/// A model file mapped into memory and bound to a compute device. Create one
/// <see cref="InferenceSession"/> per sequence. Dispose the model after its sessions.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private readonly GgufFile? _file;
    private readonly ComputeContext _context;
    private readonly OwnedTensors _weightsMemory;
    private readonly ModelWeights _weights;

    // Takes ownership of the file (if any), the context and the weights' memory.
    private LanguageModel(GgufFile? file, ComputeContext context, TransformerConfig config, OwnedTensors weightsMemory, ModelWeights weights)
    {
        _file = file;
        _context = context;
        Config = config;
        _weightsMemory = weightsMemory;
        _weights = weights;
    }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The file it was loaded from, or a description of a synthetic model.</summary>
    public string Source { get; private init; } = "";

    /// <summary>The backend in use.</summary>
    public ComputeBackend Backend => _context.Backend;

    /// <summary>The compute device.</summary>
    public string DeviceName => _context.DeviceName;

    /// <summary>The model's tokenizer, built from the file's own vocabulary; null for a synthetic model.</summary>
    public ITokenizer? Tokenizer { get; private init; }

    /// <summary>The GGUF file, for metadata such as the vocabulary; null for a synthetic model.</summary>
    public GgufFile? File => _file;

    internal ComputeContext Context => _context;

    /// <summary>Bytes of weights one decode step reads.</summary>
    public double DecodeWeightBytes => _weights.DecodeBytes();

    /// <summary>Maps a GGUF model and prepares it on the chosen backend.</summary>
    /// <exception cref="ModelFileException">The file is not a valid or supported model.</exception>
    /// <exception cref="BackendUnavailableException">The backend is not available here.</exception>
    public static LanguageModel Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        var file = GgufFile.Open(path);
        ComputeContext? context = null;
        OwnedTensors? memory = null;
        try
        {
            var config = GgufModelReader.ReadConfig(file);
            context = ComputeContext.Create(options.Backend, options.Threads, options.HighPriority);
            memory = new OwnedTensors(context);
            var weights = GgufModelReader.ReadWeights(file, config, context, memory);
            return new LanguageModel(file, context, config, memory, weights)
            {
                Source = file.FilePath,
                Tokenizer = TokenizerFactory.FromGguf(file),
            };
        }
        catch
        {
            memory?.Dispose();
            context?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A model with random weights of the exact shape of a known model (see
    /// <see cref="SyntheticShapes"/>) in one tensor type, built in memory: benchmarks run
    /// anywhere without a download. Its outputs are meaningless; its speed is real.
    /// </summary>
    public static LanguageModel CreateSynthetic(string shape, GgmlType weightType, ModelLoadOptions? options = null, ulong seed = 1)
    {
        options ??= new ModelLoadOptions();
        var config = SyntheticShapes.Get(shape);
        var context = ComputeContext.Create(options.Backend, options.Threads, options.HighPriority);
        var memory = new OwnedTensors(context);
        try
        {
            var weights = SyntheticWeights.Create(config, weightType, context, memory, seed);
            return new LanguageModel(null, context, config, memory, weights) { Source = $"synthetic {shape} {weightType}" };
        }
        catch
        {
            memory.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>A new sequence with its own KV cache.</summary>
    public InferenceSession CreateSession(SessionOptions? options = null) =>
        new(_context, Config, _weights, options ?? new SessionOptions { ContextLength = Math.Min(4096, Config.TrainedContextLength) });

    /// <summary>Releases the device memory, the context and the file mapping.</summary>
    public void Dispose()
    {
        _weightsMemory.Dispose();
        _context.Dispose();
        _file?.Dispose();
    }
}
