using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;

namespace MetalCore;

/// <summary>How a model is loaded, and the defaults of the sessions it creates.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Where the model runs; <see cref="ComputeBackend.Auto"/> prefers a GPU.</summary>
    public ComputeBackend Backend { get; init; } = ComputeBackend.Auto;

    /// <summary>CPU worker threads; 0 = one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>Ask the device for a higher scheduling priority (CUDA stream priority, Metal
    /// user-interactive encoding thread).</summary>
    public bool HighPriority { get; init; }

    /// <summary>Record per-kernel device time (slower; for <c>metalcore profile</c>).</summary>
    public bool ProfileOps { get; init; }

    /// <summary>The tuning table whose entry for this backend, device and model shape is applied
    /// when the model is loaded; null = <see cref="Tuning.TuningTable.LoadDefault"/> (the shipped
    /// table overlaid with the one <c>metalcore autotune</c> writes),
    /// <see cref="Tuning.TuningTable.Empty"/> = the backend's built-in defaults.</summary>
    public Tuning.TuningTable? Tuning { get; init; }

    /// <summary>Tunables set after the tuning table's (name → value), e.g. from the command line.</summary>
    public IReadOnlyDictionary<string, int> Tunables { get; init; } = new Dictionary<string, int>();

    /// <summary>Tokens a session holds (its KV cache size); 0 = the context length the model was
    /// trained for, at most <see cref="DefaultMaxContextLength"/> (a long trained context would
    /// otherwise reserve gigabytes of cache that short chats never use).</summary>
    public int ContextLength { get; init; }

    /// <summary>Element type of the sessions' KV cache: <see cref="GgmlType.F16"/> (the default, as
    /// llama.cpp), <see cref="GgmlType.BF16"/> or <see cref="GgmlType.F32"/>.</summary>
    public GgmlType KvCacheType { get; init; } = GgmlType.F16;

    /// <summary>The longest context a session gets when <see cref="ContextLength"/> is 0.</summary>
    public const int DefaultMaxContextLength = 4096;

    /// <summary>Checks every value and names the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its documented range.</exception>
    public void Validate()
    {
        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"Threads is {Threads}; expected 0 (one per core) or more.");
        }
        if (ContextLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, $"ContextLength is {ContextLength}; expected 0 (the model's) or more.");
        }
        if (!Enum.IsDefined(Backend))
        {
            throw new ArgumentOutOfRangeException(nameof(Backend), Backend, $"Backend is {Backend}; expected Auto, Cpu, Metal or Cuda.");
        }
        new SessionOptions { KvCacheType = KvCacheType }.Validate();
    }

    /// <summary>The session options these defaults give for a model trained on
    /// <paramref name="trainedContextLength"/> tokens.</summary>
    internal SessionOptions SessionDefaults(int trainedContextLength) => new()
    {
        ContextLength = ContextLength > 0 ? ContextLength : Math.Min(DefaultMaxContextLength, trainedContextLength),
        KvCacheType = KvCacheType,
    };
}
