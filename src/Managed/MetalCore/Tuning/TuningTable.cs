using System.Text.Json;
using MetalCore.Runtime;

namespace MetalCore.Tuning;

/// <summary>
/// Tunable values per backend, device and model shape, applied through mc_context_set_tunable
/// when a model is loaded. <c>metalcore autotune</c> writes them; the repository ships the
/// values tuned on its reference machines (embedded in this assembly), which a user's table
/// overrides entry by entry.
/// </summary>
public sealed class TuningTable
{
    private readonly List<TuningEntry> _entries;

    private TuningTable(IEnumerable<TuningEntry> entries) => _entries = [.. entries];

    /// <summary>No entries: every backend keeps its built-in defaults.</summary>
    public static TuningTable Empty { get; } = new([]);

    /// <summary>The rows.</summary>
    public IReadOnlyList<TuningEntry> Entries => _entries;

    /// <summary>The table <c>metalcore autotune</c> writes: $METALCORE_TUNING_TABLE, else tuning.json in <see cref="LocalData.Directory"/>.</summary>
    public static string UserTablePath =>
        Environment.GetEnvironmentVariable("METALCORE_TUNING_TABLE") is { Length: > 0 } path
            ? path
            : Path.Combine(LocalData.Directory, "tuning.json");

    /// <summary>The values shipped with this version (tuned on the project's reference machines).</summary>
    public static TuningTable Shipped { get; } = LoadShipped();

    /// <summary>The shipped table overlaid with the user's (when it exists).</summary>
    public static TuningTable LoadDefault() =>
        File.Exists(UserTablePath) ? Shipped.Overlay(Load(UserTablePath)) : Shipped;

    /// <summary>Reads a table file.</summary>
    /// <exception cref="TuningException">The file cannot be read or is not a valid table (the message says where).</exception>
    public static TuningTable Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TuningException($"Tuning table '{path}': cannot read it: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses a table; <paramref name="origin"/> names it in errors.</summary>
    /// <exception cref="TuningException">Not a valid table.</exception>
    public static TuningTable Parse(string json, string origin)
    {
        TuningTableFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, TuningJson.Default.TuningTableFile);
        }
        catch (JsonException e)
        {
            throw new TuningException($"Tuning table '{origin}': not a valid table ({e.Path ?? "$"}, line {e.LineNumber + 1}): {e.Message}", e);
        }
        if (file is null)
        {
            throw new TuningException($"Tuning table '{origin}': expected an object with \"version\" and \"entries\", found null.");
        }
        if (file.Version != 1)
        {
            throw new TuningException($"Tuning table '{origin}': version {file.Version} is not supported (expected 1).");
        }
        for (var i = 0; i < file.Entries.Count; i++)
        {
            var entry = file.Entries[i];
            var where = $"Tuning table '{origin}', entries[{i}]";
            if (!Enum.TryParse<ComputeBackend>(entry.Backend, ignoreCase: true, out var backend) || backend == ComputeBackend.Auto)
            {
                throw new TuningException($"{where}: backend '{entry.Backend}' is not cpu, metal or cuda.");
            }
            if (string.IsNullOrWhiteSpace(entry.Device) || string.IsNullOrWhiteSpace(entry.Shape))
            {
                throw new TuningException($"{where}: device and shape must not be empty (shape \"*\" means every model).");
            }
        }
        return new(file.Entries.Select(e => e with { Backend = e.Backend.ToLowerInvariant(), Origin = origin }));
    }

    /// <summary>Writes the table as JSON (atomically).</summary>
    public void Save(string path) => LocalData.WriteAtomically(path, ToJson());

    /// <summary>The table as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(new TuningTableFile { Entries = _entries }, TuningJson.Default.TuningTableFile);

    /// <summary>This table with <paramref name="entry"/> added, replacing the entry of the same backend, device and shape.</summary>
    public TuningTable With(TuningEntry entry) =>
        new(_entries.Where(e => !SameKey(e, entry)).Append(entry));

    /// <summary>This table with every entry of <paramref name="over"/> added or replacing its own.</summary>
    public TuningTable Overlay(TuningTable over) => over._entries.Aggregate(this, (table, entry) => table.With(entry));

    /// <summary>The values for a model: the device's "*" entry, then the shape's own entry (which wins).</summary>
    public IReadOnlyDictionary<string, int> Resolve(ComputeBackend backend, string device, string shape)
    {
        var values = new Dictionary<string, int>();
        foreach (var entry in Matching(backend, device, shape).OrderBy(e => e.Shape == ModelShape.Any ? 0 : 1))
        {
            foreach (var (name, value) in entry.Tunables)
            {
                values[name] = value;
            }
        }
        return values;
    }

    /// <summary>Names the entries behind <see cref="Resolve"/>, for messages.</summary>
    public string Describe(ComputeBackend backend, string device, string shape) =>
        string.Join("; ", Matching(backend, device, shape).Select(e => $"tuning table '{e.Origin}' entry ({e.Backend}, {e.Device}, {e.Shape})"));

    /// <summary>The name a table uses for a backend.</summary>
    public static string BackendName(ComputeBackend backend) => backend.ToString().ToLowerInvariant();

    private IEnumerable<TuningEntry> Matching(ComputeBackend backend, string device, string shape) =>
        _entries.Where(e => e.Backend == BackendName(backend) && e.Device == device && (e.Shape == shape || e.Shape == ModelShape.Any));

    private static bool SameKey(TuningEntry a, TuningEntry b) => a.Backend == b.Backend && a.Device == b.Device && a.Shape == b.Shape;

    private static TuningTable LoadShipped()
    {
        using var stream = typeof(TuningTable).Assembly.GetManifestResourceStream("MetalCore.Tuning.shipped-tuning.json")
            ?? throw new InvalidOperationException("The shipped tuning table is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "shipped-tuning.json");
    }
}
