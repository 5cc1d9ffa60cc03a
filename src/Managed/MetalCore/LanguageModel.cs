using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Models;
using MetalCore.Runtime;

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
    private readonly GgufFile _file;
    private readonly ComputeContext _context;
    private readonly OwnedTensors _weightsMemory;
    private readonly ModelWeights _weights;

    private LanguageModel(GgufFile file, ComputeContext context, TransformerConfig config)
    {
        _file = file;
        _context = context;
        Config = config;
        _weightsMemory = new OwnedTensors(context);
        _weights = GgufModelReader.ReadWeights(file, config, context, _weightsMemory);
    }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The file it was loaded from.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>The backend in use.</summary>
    public ComputeBackend Backend => _context.Backend;

    /// <summary>The compute device.</summary>
    public string DeviceName => _context.DeviceName;

    /// <summary>The GGUF file, for metadata such as the vocabulary.</summary>
    public GgufFile File => _file;

    internal ComputeContext Context => _context;

    /// <summary>Maps a GGUF model and prepares it on the chosen backend.</summary>
    /// <exception cref="ModelFileException">The file is not a valid or supported model.</exception>
    /// <exception cref="BackendUnavailableException">The backend is not available here.</exception>
    public static LanguageModel Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        var file = GgufFile.Open(path);
        ComputeContext? context = null;
        try
        {
            var config = GgufModelReader.ReadConfig(file);
            context = ComputeContext.Create(options.Backend, options.Threads, options.HighPriority);
            return new LanguageModel(file, context, config);
        }
        catch
        {
            context?.Dispose();
            file.Dispose();
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
        _file.Dispose();
    }
}
