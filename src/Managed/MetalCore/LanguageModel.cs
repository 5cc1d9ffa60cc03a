using MetalCore.Chat;
using MetalCore.Generation;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tokenization;
using MetalCore.Tuning;

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
    private readonly ModelDescription? _description;
    private readonly ComputeContext _context;
    private readonly OwnedTensors _weightsMemory;
    private readonly ModelWeights _weights;
    private readonly SessionOptions _sessionDefaults;

    // Takes ownership of the model files (if any), the context and the weights' memory.
    private LanguageModel(ModelDescription? description, ComputeContext context, TransformerConfig config, OwnedTensors weightsMemory, ModelWeights weights, ModelLoadOptions options)
    {
        _description = description;
        _context = context;
        Config = config;
        _weightsMemory = weightsMemory;
        _weights = weights;
        _sessionDefaults = options.SessionDefaults(config.TrainedContextLength);
    }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The model's name: GGUF's <c>general.name</c>, else the file or directory name.</summary>
    public string Name { get; private init; } = "";

    /// <summary>The file or directory it was loaded from, or a description of a synthetic model.</summary>
    public string Source { get; private init; } = "";

    /// <summary>The backend in use (never <see cref="ComputeBackend.Auto"/>).</summary>
    public ComputeBackend Backend => _context.Backend;

    /// <summary>The compute device, e.g. "NVIDIA H100 80GB HBM3" or "CPU: ... (8 threads, avx2)".</summary>
    public string DeviceName => _context.DeviceName;

    /// <summary>
    /// The model's tokenizer, built from the file's own vocabulary; null for a synthetic model, a
    /// GGUF without tokenizer metadata and a Hugging Face directory (token ids only;
    /// <see cref="RequireTokenizer"/> says why).
    /// </summary>
    public ITokenizer? Tokenizer { get; private init; }

    /// <summary>The Jinja source of the chat template the model ships with (GGUF
    /// <c>tokenizer.chat_template</c>; in a Hugging Face directory <c>chat_template.jinja</c> or
    /// <c>tokenizer_config.json</c>), or null when it has none.</summary>
    public string? ChatTemplateSource { get; private init; }

    /// <summary>Tokens a session holds unless its options say otherwise (from
    /// <see cref="ModelLoadOptions.ContextLength"/>).</summary>
    public int ContextLength => _sessionDefaults.ContextLength;

    /// <summary>Bytes of weights one decode step reads.</summary>
    public double DecodeWeightBytes => _weights.DecodeBytes();

    /// <summary>The tokenizer, or an error saying why this model has none (for callers that need text).</summary>
    /// <exception cref="MetalCoreException">The model has no tokenizer.</exception>
    public ITokenizer RequireTokenizer() => Tokenizer ?? throw new MetalCoreException(
        _description?.Format == ModelFileFormat.Safetensors
            ? $"{Source}: text needs a tokenizer, and this directory has no tokenizer.json; pass token ids"
            : $"{Source}: this model has no tokenizer ({(_description is null ? "it is synthetic" : "no tokenizer.ggml.* metadata")}); pass token ids");

    /// <summary>The tokenizer the model's files carry: GGUF tokenizer metadata or a directory's
    /// tokenizer.json; null when there is none (a GGUF converted from a directory without
    /// tokenizer.json carries weights only).</summary>
    private static Tokenizer? TokenizerOf(ModelDescription description)
    {
        if (description.Gguf is { } gguf)
        {
            return gguf.ContainsKey("tokenizer.ggml.model") ? TokenizerFactory.FromGguf(gguf) : null;
        }
        return System.IO.File.Exists(Path.Combine(description.SourcePath, "tokenizer.json"))
            ? TokenizerFactory.FromHuggingFace(description.SourcePath)
            : null;
    }

    /// <summary>The GGUF file, for metadata such as the vocabulary; null for other models.</summary>
    internal GgufFile? File => _description?.Gguf;

    /// <summary>The model's files and tensors; null for a synthetic model.</summary>
    internal ModelDescription? Description => _description;

    internal ComputeContext Context => _context;

    /// <summary>The type of the feed-forward weights (the bulk of a decode step's reads).</summary>
    public GgmlType WeightType => _weights.Layers[0].Gate.Type;

    /// <summary>The key of this model's shape in tuning tables and calibration caches.</summary>
    public string ShapeKey => ModelShape.Key(Config, WeightType);

    /// <summary>The tunables set on the device when the model was loaded (tuning table, then <see cref="ModelLoadOptions.Tunables"/>).</summary>
    public IReadOnlyDictionary<string, int> AppliedTunables { get; private set; } = new Dictionary<string, int>();

    /// <summary>Held while something runs on the model's device, by callers that may be concurrent
    /// (<c>MetalCoreChatClient</c>): the device runs one thing at a time.</summary>
    internal SemaphoreSlim ExecutionGate { get; } = new(1, 1);

    /// <summary>
    /// Maps a model and prepares it on the chosen backend: a GGUF file, or a Hugging Face / MLX
    /// directory (config.json and model.safetensors or sharded safetensors with their index).
    /// Weights the backend computes with directly stay in the mapped files (zero-copy where the
    /// device shares host memory).
    /// </summary>
    /// <param name="path">A <c>.gguf</c> file or a model directory.</param>
    /// <param name="options">Backend, threads, and the sessions' context length and KV cache type.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ModelFileException">Nothing is at <paramref name="path"/>, or it is not a valid model.</exception>
    /// <exception cref="UnsupportedModelException">The model's architecture, tokenizer or format is not supported.</exception>
    /// <exception cref="BackendUnavailableException">The backend is not available here.</exception>
    /// <exception cref="DllNotFoundException">The native library is missing (the message lists every place it looked).</exception>
    /// <exception cref="MetalCoreException">The native library is of another version than this assembly.</exception>
    public static LanguageModel Load(string path, ModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ModelLoadOptions();
        options.Validate();
        var description = ModelDescription.Open(path);
        ComputeContext? context = null;
        OwnedTensors? memory = null;
        try
        {
            var config = ModelWeightsBinder.ReadConfig(description);
            var gguf = description.Gguf;
            var tokenizer = TokenizerOf(description);
            var template = gguf is not null ? ModelChatTemplate.FromGguf(gguf) : ModelChatTemplate.FromDirectory(description.SourcePath);
            context = CreateContext(options);
            memory = new OwnedTensors(context);
            var weights = ModelWeightsBinder.ReadWeights(description, context, memory);
            var model = new LanguageModel(description, context, config, memory, weights, options)
            {
                Name = NameOf(description),
                Source = description.SourcePath,
                Tokenizer = tokenizer,
                ChatTemplateSource = template,
            };
            model.ApplyTunables(options);
            return model;
        }
        catch
        {
            memory?.Dispose();
            context?.Dispose();
            description.Dispose();
            throw;
        }
    }

    private static string NameOf(ModelDescription description) =>
        description.Gguf is { } gguf && gguf.TryGetValue("general.name", out var name) && name.Type == GgufValueType.String
            ? name.AsString()
            : description.Format == ModelFileFormat.Gguf
                ? Path.GetFileNameWithoutExtension(description.SourcePath)
                : Path.GetFileName(Path.TrimEndingDirectorySeparator(description.SourcePath));

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
        var context = CreateContext(options);
        var memory = new OwnedTensors(context);
        try
        {
            var weights = SyntheticWeights.Create(config, weightType, context, memory, seed);
            var model = new LanguageModel(null, context, config, memory, weights, options)
            {
                Name = $"synthetic-{shape}",
                Source = $"synthetic {shape} {weightType}",
            };
            model.ApplyTunables(options);
            return model;
        }
        catch
        {
            memory.Dispose();
            context.Dispose();
            throw;
        }
    }

    private static ComputeContext CreateContext(ModelLoadOptions options) =>
        ComputeContext.Create(options.Backend, options.Threads, options.HighPriority,
            options.ProfileOps ? Interop.ContextFlags.ProfileOps : Interop.ContextFlags.None);

    // Before any op runs: the tuning table's values for this device and shape, then the
    // explicit ones (which win).
    private void ApplyTunables(ModelLoadOptions options)
    {
        var table = options.Tuning ?? TuningTable.LoadDefault();
        var applied = new Dictionary<string, int>(table.Resolve(Backend, DeviceName, ShapeKey));
        foreach (var (name, value) in options.Tunables)
        {
            applied[name] = value;
        }
        foreach (var (name, value) in applied)
        {
            SetTunable(name, value, options.Tunables.ContainsKey(name) ? "--tunable" : table.Describe(Backend, DeviceName, ShapeKey));
        }
        AppliedTunables = applied;
    }

    // Sets one tunable; a value the backend refuses names where it came from.
    internal void SetTunable(string name, int value, string origin)
    {
        try
        {
            _context.SetTunable(name, value);
        }
        catch (Exception e) when (e is MetalCoreException or ArgumentException)
        {
            throw new TuningException($"{origin}: cannot set {name} = {value} on {Backend} ({DeviceName}): {e.Message}", e);
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
    /// <exception cref="MetalCoreException">The model has no tokenizer (see <see cref="RequireTokenizer"/>).</exception>
    public TextGenerator CreateGenerator(SessionOptions? options = null)
    {
        var tokenizer = RequireTokenizer();
        return new TextGenerator(CreateSession(options), tokenizer, ownsSession: true);
    }

    /// <summary>Releases the device memory, the context and the file mapping.</summary>
    public void Dispose()
    {
        _weightsMemory.Dispose();
        _context.Dispose();
        _description?.Dispose();
    }
}
