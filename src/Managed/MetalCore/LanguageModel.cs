using MetalCore.Chat;
using MetalCore.Generation;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tokenization;

namespace MetalCore;

/// <summary>
/// A model mapped into memory and bound to a compute device: the starting point of everything
/// else. <see cref="CreateGenerator"/> gives a text generator, <see cref="CreateSession"/> a raw
/// token-level session, and <c>new MetalCoreChatClient(model)</c> an <c>IChatClient</c>.
/// Dispose the model after what was created from it.
/// </summary>
/// <remarks>
/// A model's device runs one thing at a time: generators and sessions of one model must not be
/// used from several threads at once (<c>MetalCoreChatClient</c> serializes its callers).
/// </remarks>
public sealed class LanguageModel : IDisposable
{
    private readonly GgufFile? _file;
    private readonly ComputeContext _context;
    private readonly OwnedTensors _weightsMemory;
    private readonly ModelWeights _weights;
    private readonly SessionOptions _sessionDefaults;

    // Takes ownership of the file (if any), the context and the weights' memory.
    private LanguageModel(GgufFile? file, ComputeContext context, TransformerConfig config, OwnedTensors weightsMemory, ModelWeights weights, ModelLoadOptions options)
    {
        _file = file;
        _context = context;
        Config = config;
        _weightsMemory = weightsMemory;
        _weights = weights;
        _sessionDefaults = options.SessionDefaults(config.TrainedContextLength);
    }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The model's name: GGUF's <c>general.name</c>, else the file name.</summary>
    public string Name { get; private init; } = "";

    /// <summary>The file it was loaded from, or a description of a synthetic model.</summary>
    public string Source { get; private init; } = "";

    /// <summary>The backend in use (never <see cref="ComputeBackend.Auto"/>).</summary>
    public ComputeBackend Backend => _context.Backend;

    /// <summary>The compute device, e.g. "NVIDIA H100 80GB HBM3" or "CPU: ... (8 threads, avx2)".</summary>
    public string DeviceName => _context.DeviceName;

    /// <summary>The model's tokenizer, built from the file's own vocabulary; null for a synthetic model.</summary>
    public ITokenizer? Tokenizer { get; private init; }

    /// <summary>The Jinja source of the chat template the model ships with (GGUF
    /// <c>tokenizer.chat_template</c>), or null when it has none.</summary>
    public string? ChatTemplateSource { get; private init; }

    /// <summary>Tokens a session holds unless its options say otherwise (from
    /// <see cref="ModelLoadOptions.ContextLength"/>).</summary>
    public int ContextLength => _sessionDefaults.ContextLength;

    /// <summary>Bytes of weights one decode step reads.</summary>
    public double DecodeWeightBytes => _weights.DecodeBytes();

    /// <summary>The GGUF file, for metadata such as the vocabulary; null for a synthetic model.</summary>
    internal GgufFile? File => _file;

    internal ComputeContext Context => _context;

    /// <summary>Held while something runs on the model's device, by callers that may be concurrent
    /// (<c>MetalCoreChatClient</c>): the device runs one thing at a time.</summary>
    internal SemaphoreSlim ExecutionGate { get; } = new(1, 1);

    /// <summary>
    /// Loads a model: a GGUF file, or a Hugging Face / MLX directory (config.json,
    /// *.safetensors, tokenizer.json), memory-mapped and prepared on the chosen backend.
    /// </summary>
    /// <param name="path">A <c>.gguf</c> file or a model directory.</param>
    /// <param name="options">Backend, threads, and the sessions' context length and KV cache type.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFileException">The file is not a valid model.</exception>
    /// <exception cref="UnsupportedModelException">The model's architecture, tokenizer or format is not supported.</exception>
    /// <exception cref="BackendUnavailableException">The backend is not available here.</exception>
    /// <exception cref="DllNotFoundException">The native library is missing (the message lists every place it looked).</exception>
    /// <exception cref="MetalCoreException">The native library is of another version than this assembly.</exception>
    public static LanguageModel Load(string path, ModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ModelLoadOptions();
        options.Validate();
        if (Directory.Exists(path))
        {
            // Safetensors directories need the safetensors weight reader (issue 3); until it is
            // here, say so instead of failing on a missing file.
            throw new UnsupportedModelException(path,
                "loading Hugging Face / MLX safetensors directories is not available in this build yet; use a GGUF file");
        }
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"No model file at '{path}'.", path);
        }
        return LoadGguf(path, options);
    }

    private static LanguageModel LoadGguf(string path, ModelLoadOptions options)
    {
        var file = GgufFile.Open(path);
        ComputeContext? context = null;
        OwnedTensors? memory = null;
        try
        {
            var config = GgufModelReader.ReadConfig(file);
            var tokenizer = TokenizerFactory.FromGguf(file);
            var template = ModelChatTemplate.FromGguf(file);
            context = ComputeContext.Create(options.Backend, options.Threads, options.HighPriority);
            memory = new OwnedTensors(context);
            var weights = GgufModelReader.ReadWeights(file, config, context, memory);
            return new LanguageModel(file, context, config, memory, weights, options)
            {
                Name = file.TryGetValue("general.name", out var name) && name.Type == GgufValueType.String
                    ? name.AsString()
                    : Path.GetFileNameWithoutExtension(path),
                Source = file.FilePath,
                Tokenizer = tokenizer,
                ChatTemplateSource = template,
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
    /// anywhere without a download. Its outputs are meaningless; its speed is real. It has no
    /// tokenizer: drive it with token ids through <see cref="CreateSession"/>.
    /// </summary>
    /// <param name="shape">One of <see cref="SyntheticShapes.Names"/>, e.g. "SmolLM2-135M".</param>
    /// <param name="weightType">The weights' tensor type, e.g. <see cref="GgmlType.Q8_0"/>.</param>
    /// <param name="options">Backend, threads, and the sessions' context length and KV cache type.</param>
    /// <param name="seed">Seed of the random weights.</param>
    /// <exception cref="ArgumentException">The shape is unknown.</exception>
    public static LanguageModel CreateSynthetic(string shape, GgmlType weightType, ModelLoadOptions? options = null, ulong seed = 1)
    {
        options ??= new ModelLoadOptions();
        options.Validate();
        var config = SyntheticShapes.Get(shape);
        var context = ComputeContext.Create(options.Backend, options.Threads, options.HighPriority);
        var memory = new OwnedTensors(context);
        try
        {
            var weights = SyntheticWeights.Create(config, weightType, context, memory, seed);
            return new LanguageModel(null, context, config, memory, weights, options)
            {
                Name = $"synthetic-{shape}",
                Source = $"synthetic {shape} {weightType}",
            };
        }
        catch
        {
            memory.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new token-level sequence with its own KV cache: append token ids, read logits. Without
    /// <paramref name="options"/> it holds <see cref="ContextLength"/> tokens of the load
    /// options' KV cache type.
    /// </summary>
    public InferenceSession CreateSession(SessionOptions? options = null) =>
        new(_context, Config, _weights, options ?? _sessionDefaults);

    /// <summary>
    /// A text generator with a session of its own, which keeps its KV cache from one call to the
    /// next and reuses the longest common prefix of the new prompt. Disposing it releases the session.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no tokenizer (a synthetic model).</exception>
    public TextGenerator CreateGenerator(SessionOptions? options = null)
    {
        var tokenizer = Tokenizer ?? throw new InvalidOperationException(
            $"The model '{Name}' has no tokenizer (it is synthetic): generate token ids with CreateSession instead.");
        return new TextGenerator(CreateSession(options), tokenizer, ownsSession: true);
    }

    /// <summary>Releases the device memory, the context and the file mapping.</summary>
    public void Dispose()
    {
        _weightsMemory.Dispose();
        _context.Dispose();
        _file?.Dispose();
    }
}
