using System.CommandLine;
using System.CommandLine.Parsing;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tuning;

namespace MetalCore.Cli;

/// <summary>Options shared by the commands that load a model.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print stack traces with errors.",
        Recursive = true,
    };

    public static Option<string?> Model(bool required = true) => new("--model", "-m")
    {
        Description = required
            ? "A GGUF model file, or a Hugging Face safetensors model directory (or use --shape)."
            : "A GGUF model file, or a Hugging Face safetensors model directory (or use --shape); the built-in demo model when neither is given.",
    };

    public static Option<string?> Shape() => new("--shape")
    {
        Description = $"A synthetic model (random weights) of this shape instead of a file: {string.Join(", ", SyntheticShapes.Names)}.",
    };

    public static Option<GgmlType> Quant() => new("--quant", "-q")
    {
        HelpName = "F32|F16|BF16|Q8_0|Q4_0|Q4_1|Q5_0|Q5_1",
        Description = "Weight type of the --shape model: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 or Q5_1.",
        DefaultValueFactory = _ => GgmlType.Q8_0,
    };

    public static Option<ComputeBackend> Backend() => new("--backend", "-b")
    {
        HelpName = "auto|cpu|metal|cuda",
        Description = "Where the model runs: auto (the backend a short calibration measured fastest here), cpu, metal or cuda.",
        DefaultValueFactory = _ => ComputeBackend.Auto,
    };

    public static Option<int> Threads() => new("--threads", "-t")
    {
        Description = "CPU threads (0 = one per physical core).",
    };

    public static Option<int> ContextLength() => new("--ctx", "-c")
    {
        Description = "Context length in tokens (0 = the model's, at most 4096).",
    };

    public static Option<string[]> Tunable() => new("--tunable")
    {
        Description = "Set a backend tunable, NAME=VALUE (repeatable); wins over the tuning table.",
        Arity = ArgumentArity.ZeroOrMore,
    };
}

/// <summary>
/// Which model to load and how: a GGUF file or a synthetic shape, the backend, CPU threads and
/// tunables. One value set, read from the command line, that <c>bench --vs</c> can overlay.
/// </summary>
internal sealed record ModelSpec
{
    public string? ModelPath { get; init; }
    public string? ShapeName { get; init; }
    public GgmlType Quant { get; init; } = GgmlType.Q8_0;
    public ComputeBackend Backend { get; init; } = ComputeBackend.Auto;
    public int Threads { get; init; }
    public IReadOnlyDictionary<string, int> Tunables { get; init; } = new Dictionary<string, int>();

    /// <summary>The model's shape key, read without loading its weights.</summary>
    public string ShapeKey => ShapeName is { } shape ? ModelShape.Key(SyntheticShapes.Get(shape), Quant) : ModelShape.KeyOfFile(FilePath);

    // The file or directory to load: -m, else the built-in demo model (commands that allow it).
    private string FilePath => ModelPath ?? DemoModel.Require();

    /// <summary>
    /// For <see cref="ComputeBackend.Auto"/>: the backend a calibration (cached per model shape
    /// and devices) measured fastest, never a GPU slower than the CPU; otherwise the one named.
    /// </summary>
    public (ComputeBackend Backend, BackendChoice? Choice) ChooseBackend()
    {
        if (Backend != ComputeBackend.Auto)
        {
            return (Backend, null);
        }
        var measurer = new ModelBackendMeasurer(backend => Load(backend, new ModelLoadOptions()));
        var calibration = new BackendCalibration(BackendCalibration.AvailableBackends(), measurer, new CalibrationCache(CalibrationCache.DefaultPath));
        var choice = calibration.Choose(ShapeKey);
        return (choice.Backend, choice);
    }

    /// <summary>Loads the model on <paramref name="backend"/> (never auto) with the spec's threads and tunables.</summary>
    public LanguageModel Load(ComputeBackend backend, ModelLoadOptions options)
    {
        options = options with { Backend = backend, Threads = Threads, Tunables = Tunables };
        if (ShapeName is { } shape)
        {
            return LanguageModel.CreateSynthetic(shape, Quant, options);
        }
        if (ModelPath is null)
        {
            Console.Error.WriteLine($"using the built-in demo model {FilePath}");
        }
        return LanguageModel.Load(FilePath, options);
    }

    /// <summary>Chooses the backend (see <see cref="ChooseBackend"/>) and loads the model there.</summary>
    public LanguageModel Load(ModelLoadOptions? options = null) => Load(ChooseBackend().Backend, options ?? new ModelLoadOptions());

    /// <summary>The settings as command-line arguments.</summary>
    public string Describe() => string.Join(" ", new[]
    {
        ShapeName is { } s ? $"--shape {s} --quant {Quant}" : $"-m {ModelPath}",
        $"--backend {Backend.ToString().ToLowerInvariant()}",
        Threads > 0 ? $"--threads {Threads}" : "",
        string.Join(" ", Tunables.Select(t => $"--tunable {t.Key}={t.Value}")),
    }.Where(part => part.Length > 0));
}

/// <summary>The model options of one command: -m or --shape/--quant, backend, threads, context, tunables.</summary>
internal sealed record ModelArguments(Option<string?> Model, Option<string?> Shape, Option<GgmlType> Quant, Option<ComputeBackend> Backend,
    Option<int> Threads, Option<int> ContextLength, Option<string[]> Tunable)
{
    /// <summary>
    /// Adds the options to <paramref name="command"/>, with the check that at most one of -m and
    /// --shape is given, and (with <paramref name="modelRequired"/>) at least one; otherwise a
    /// missing model means the built-in demo model.
    /// </summary>
    public static ModelArguments AddTo(Command command, bool modelRequired = true)
    {
        var arguments = new ModelArguments(CommonOptions.Model(modelRequired), CommonOptions.Shape(), CommonOptions.Quant(), CommonOptions.Backend(),
            CommonOptions.Threads(), CommonOptions.ContextLength(), CommonOptions.Tunable());
        foreach (var option in new Option[] { arguments.Model, arguments.Shape, arguments.Quant, arguments.Backend, arguments.Threads, arguments.ContextLength, arguments.Tunable })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result => arguments.Validate(result, modelRequired));
        return arguments;
    }

    private void Validate(CommandResult result, bool requireModel)
    {
        var model = result.GetResult(Model) is { Implicit: false };
        var shape = result.GetResult(Shape) is { Implicit: false };
        if (model && shape)
        {
            result.AddError("Give either --model FILE or --shape NAME, not both.");
        }
        else if (!model && !shape && requireModel)
        {
            result.AddError($"Give a model: --model FILE (GGUF) or --shape NAME [--quant TYPE] (a synthetic model; shapes: {string.Join(", ", SyntheticShapes.Names)}).");
        }
        if (result.GetResult(Quant) is { Implicit: false } && !shape && model)
        {
            result.AddError("--quant applies to --shape models only (a model file has its own weight types).");
        }
        if (result.GetValue(Shape) is { } name && !SyntheticShapes.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            result.AddError($"--shape: unknown shape '{name}'; known shapes: {string.Join(", ", SyntheticShapes.Names)}.");
        }
        if (result.GetResult(Quant) is { Implicit: false } && result.GetValue(Quant) is var quant && !GgmlTypeTraits.IsSupported(quant))
        {
            result.AddError($"--quant: {quant} is not a weight type synthetic models can have (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1).");
        }
        if (result.IsBelow(Threads, 0))
        {
            result.AddError("--threads must be 0 (one per physical core) or more.");
        }
        if (result.IsBelow(ContextLength, 0))
        {
            result.AddError("--ctx must be 0 (the model's) or more.");
        }
        foreach (var text in result.GetValue(Tunable) ?? [])
        {
            if (!TryParseTunable(text, out _, out _))
            {
                result.AddError($"--tunable '{text}': expected NAME=VALUE with an integer VALUE, e.g. --tunable matvec_rows_per_task=32.");
            }
        }
    }

    /// <summary>The model spec the command line gives.</summary>
    public ModelSpec Read(ParseResult parsed) => new()
    {
        ModelPath = parsed.GetValue(Model),
        ShapeName = parsed.GetValue(Shape),
        Quant = parsed.GetValue(Quant),
        Backend = parsed.GetValue(Backend),
        Threads = parsed.GetValue(Threads),
        Tunables = ReadTunables(parsed),
    };

    /// <summary>
    /// <paramref name="spec"/> with the options that <paramref name="other"/> gives explicitly
    /// replacing its own (a model file replaces a shape and the other way round; tunables add up).
    /// </summary>
    public ModelSpec Overlay(ModelSpec spec, ParseResult other)
    {
        bool Given(Option option) => other.GetResult(option) is { Implicit: false };
        if (Given(Model))
        {
            spec = spec with { ModelPath = other.GetValue(Model), ShapeName = null };
        }
        if (Given(Shape))
        {
            spec = spec with { ShapeName = other.GetValue(Shape), ModelPath = null };
        }
        if (Given(Quant))
        {
            spec = spec with { Quant = other.GetValue(Quant) };
        }
        if (Given(Backend))
        {
            spec = spec with { Backend = other.GetValue(Backend) };
        }
        if (Given(Threads))
        {
            spec = spec with { Threads = other.GetValue(Threads) };
        }
        if (Given(Tunable))
        {
            var tunables = new Dictionary<string, int>(spec.Tunables);
            foreach (var (name, value) in ReadTunables(other))
            {
                tunables[name] = value;
            }
            spec = spec with { Tunables = tunables };
        }
        return spec;
    }

    /// <summary>The context length asked for, or the model's own capped at 4096.</summary>
    public int ContextFor(ParseResult parsed, LanguageModel model) =>
        parsed.GetValue(ContextLength) is > 0 and var requested ? requested : Math.Min(4096, model.Config.TrainedContextLength);

    private Dictionary<string, int> ReadTunables(ParseResult parsed)
    {
        var tunables = new Dictionary<string, int>();
        foreach (var text in parsed.GetValue(Tunable) ?? [])
        {
            if (TryParseTunable(text, out var name, out var value))
            {
                tunables[name] = value;
            }
        }
        return tunables;
    }

    private static bool TryParseTunable(string text, out string name, out int value)
    {
        var equals = text.IndexOf('=');
        name = equals > 0 ? text[..equals].Trim() : "";
        value = 0;
        return name.Length > 0 && int.TryParse(text[(equals + 1)..], System.Globalization.CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>Checks in command validators, which see default(T), not an option's default, for options not given.</summary>
internal static class ValidationExtensions
{
    /// <summary>True when <paramref name="option"/> was given with a value below <paramref name="minimum"/> (defaults are valid by construction).</summary>
    public static bool IsBelow(this CommandResult result, Option<int> option, int minimum) =>
        result.GetResult(option) is { Implicit: false } && result.GetValue(option) < minimum;
}
