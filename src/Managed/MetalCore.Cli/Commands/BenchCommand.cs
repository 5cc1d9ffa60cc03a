using System.CommandLine;
using System.CommandLine.Parsing;
using MetalCore.Benchmarking;
using MetalCore.Cli.Benchmarking;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tuning;

namespace MetalCore.Cli.Commands;

/// <summary>
/// `metalcore bench`: prompt and decode speed by the method of seed 000 (warm-ups, counted
/// runs, trimmed mean ± 95% CI, median, spread), the backend's per-token figures, and the
/// bandwidth a decode step reaches against what the command measures on the device; with
/// --vs or --load, two configurations alternate run by run and are compared pair by pair.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure prompt and decode speed (trimmed mean ± 95% CI over counted runs).");
        var model = ModelArguments.AddTo(command);
        var options = BenchArguments.AddTo(command);
        command.Validators.Add(result => options.Validate(result));
        command.SetCancellableAction((parsed, _) => Execute(model, options, parsed));
        return command;
    }

    private static void Execute(ModelArguments modelArguments, BenchArguments arguments, ParseResult parsed)
    {
        var specA = modelArguments.Read(parsed);
        var kvA = parsed.GetValue(arguments.KvType);
        var (specB, kvB) = parsed.GetValue(arguments.Vs) is { } vs ? VsSettings.Apply(vs, specA, kvA) : (null, kvA);
        var load = parsed.GetValue(arguments.Load);
        var benchOptions = new DecodeBenchmarkOptions
        {
            Runs = parsed.GetValue(arguments.Runs),
            Warmups = parsed.GetValue(arguments.Warmup),
            PromptTokens = parsed.GetValue(arguments.Prompt),
            GeneratedTokens = parsed.GetValue(arguments.Gen),
            Depth = parsed.GetValue(arguments.Depth),
            Session = new SessionOptions
            {
                KvCacheType = kvA,
                // At least what the runs need (DecodeRunner grows it); --ctx asks for more.
                ContextLength = Math.Max(1, parsed.GetValue(modelArguments.ContextLength)),
            },
        };

        var (backendA, choice) = specA.ChooseBackend();
        if (choice is not null)
        {
            Console.WriteLine($"backend auto -> {TuningTable.BackendName(choice.Backend)}: {choice.Reason}");
        }
        var loadOptions = new ModelLoadOptions { HighPriority = parsed.GetValue(arguments.HighPriority) };
        using var modelA = specA.Load(backendA, loadOptions);
        using var modelB = specB?.Load(specB.ChooseBackend().Backend, loadOptions);
        var bandwidthA = MeasureBandwidth(modelA);
        double? bandwidthB = modelB is null ? null : modelB.Backend == modelA.Backend && modelB.DeviceName == modelA.DeviceName ? bandwidthA : MeasureBandwidth(modelB);
        var started = DateTime.UtcNow;

        List<BenchConfiguration> configurations;
        BenchComparison? comparison = null;
        if (modelB is not null || load > 0)
        {
            using var runnerA = new DecodeRunner(modelA, benchOptions);
            using var runnerB = modelB is null ? null : new DecodeRunner(modelB, benchOptions with { Session = benchOptions.Session with { KvCacheType = kvB } });
            using var loadProcesses = load > 0 ? LoadProcesses.Start(load, modelA.Backend) : null;
            var (labelA, labelB) = load > 0 ? ("no load", $"load {load}") : ("A", "B");
            var paired = RunProgress.Run($"{labelA} / {labelB} alternating", benchOptions.Warmups + benchOptions.Runs, report =>
                PairedBenchmark.Run(runnerA, runnerB ?? runnerA, benchOptions.Runs, benchOptions.Warmups,
                    loadProcesses is null ? null : loadProcesses.Set,
                    (i, a, b) => report($"{Pair(i)}  {labelA} {a.DecodeTokensPerSecond,8:F2}  {labelB} {b.DecodeTokensPerSecond,8:F2} decode tok/s")));
            var argumentsB = specB is null ? $"{specA.Describe()} --load {load}" : $"{specB.Describe()} --kv-type {kvB}";
            configurations =
            [
                BenchConfiguration.From(labelA, modelA, $"{specA.Describe()} --kv-type {kvA}", DecodeBenchmarkResult.Of(paired.A, DecodeBenchmark.BytesReadPerToken(modelA, benchOptions)), bandwidthA),
                BenchConfiguration.From(labelB, modelB ?? modelA, argumentsB, DecodeBenchmarkResult.Of(paired.B, DecodeBenchmark.BytesReadPerToken(modelB ?? modelA, benchOptions)), bandwidthB ?? bandwidthA),
            ];
            comparison = BenchComparison.From(load > 0 ? "load" : "vs", labelA, labelB, paired);
        }
        else
        {
            var result = RunProgress.Run("runs", benchOptions.Warmups + benchOptions.Runs, report =>
                DecodeBenchmark.Run(modelA, benchOptions, (i, run) =>
                    report($"{Run(i)}  prompt {run.PromptTokensPerSecond,9:F1}  decode {run.DecodeTokensPerSecond,8:F2} tok/s")));
            configurations = [BenchConfiguration.From("A", modelA, $"{specA.Describe()} --kv-type {kvA}", result, bandwidthA)];
        }

        var benchReport = new BenchReport
        {
            StartedUtc = started,
            Settings = new BenchSettings(benchOptions.PromptTokens, benchOptions.GeneratedTokens, benchOptions.Depth, benchOptions.Runs, benchOptions.Warmups, load),
            MeasuredBandwidthBytesPerSecond = bandwidthA,
            Configurations = configurations,
            Comparison = comparison,
            BackendChoice = choice,
        };
        BenchOutput.Print(benchReport);
        if (parsed.GetValue(arguments.Json) is { } json)
        {
            File.WriteAllText(json, benchReport.ToJson());
            Console.WriteLine($"wrote {json}");
        }
        if (parsed.GetValue(arguments.Chart) is { } chart)
        {
            BenchChart.Save(chart, benchReport);
            Console.WriteLine($"wrote {chart}");
        }
    }

    private static double MeasureBandwidth(LanguageModel model)
    {
        Console.Error.WriteLine($"measuring the read bandwidth of {model.DeviceName}...");
        return DeviceBandwidth.MeasureReadBytesPerSecond(model);
    }

    private static string Run(int i) => i < 0 ? "warm-up" : $"run {i + 1,2}";

    private static string Pair(int i) => i < 0 ? "warm-up" : $"pair {i + 1,2}";
}

/// <summary>The options of `bench` beyond the model's.</summary>
internal sealed record BenchArguments(Option<int> Runs, Option<int> Warmup, Option<int> Prompt, Option<int> Gen, Option<int> Depth,
    Option<GgmlType> KvType, Option<int> Load, Option<string?> Vs, Option<string?> Json, Option<string?> Chart, Option<bool> HighPriority)
{
    public static BenchArguments AddTo(Command command)
    {
        var arguments = new BenchArguments(
            new Option<int>("--runs") { Description = "Counted runs (pairs with --vs and --load).", DefaultValueFactory = _ => 15 },
            new Option<int>("--warmup") { Description = "Discarded runs first.", DefaultValueFactory = _ => 2 },
            new Option<int>("--prompt") { Description = "Prompt tokens per run.", DefaultValueFactory = _ => 64 },
            new Option<int>("--gen") { Description = "Decoded tokens per run.", DefaultValueFactory = _ => 512 },
            new Option<int>("--depth") { Description = "Tokens already in the KV cache before the prompt." },
            VsSettings.KvTypeOption(),
            new Option<int>("--load") { Description = "Background load processes on the same device (CPU: busy cores; GPU: decoding processes); runs with and without load alternate." },
            new Option<string?>("--vs") { Description = "Other settings to compare with, e.g. --vs '--backend cuda' or --vs '--tunable spin_us=0'; runs alternate A B A B." },
            new Option<string?>("--json") { Description = "Write the report as JSON (schema: docs/bench-report.schema.json)." },
            new Option<string?>("--chart") { Description = "Write a PNG chart of every run with the mean and its 95% CI." },
            new Option<bool>("--high-priority") { Description = "Ask the device for its highest scheduling priority (CUDA: stream priority; seed 000's contention runs)." });
        foreach (var option in new Option[] { arguments.Runs, arguments.Warmup, arguments.Prompt, arguments.Gen, arguments.Depth, arguments.KvType,
            arguments.Load, arguments.Vs, arguments.Json, arguments.Chart, arguments.HighPriority })
        {
            command.Options.Add(option);
        }
        return arguments;
    }

    public void Validate(CommandResult result)
    {
        if (result.IsBelow(Runs, 1))
        {
            result.AddError("--runs must be at least 1 (15 gives the seed-000 statistics).");
        }
        if (result.IsBelow(Warmup, 0) || result.IsBelow(Depth, 0) || result.IsBelow(Load, 0))
        {
            result.AddError("--warmup, --depth and --load cannot be negative.");
        }
        if (result.IsBelow(Prompt, 1) || result.IsBelow(Gen, 1))
        {
            result.AddError("--prompt and --gen must be at least 1.");
        }
        VsSettings.ValidateKvType(result, KvType);
        if (result.GetValue(Load) > 0 && result.GetValue(Vs) is not null)
        {
            result.AddError("--load and --vs cannot be combined: each makes its own A/B alternation.");
        }
        if (result.GetValue(Vs) is { } vs)
        {
            foreach (var error in VsSettings.Errors(vs))
            {
                result.AddError($"--vs '{vs}': {error}");
            }
        }
        if (result.GetValue(Chart) is { } chart && !chart.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            result.AddError($"--chart '{chart}': the chart is a PNG; give a file name ending in .png.");
        }
    }
}

/// <summary>
/// The settings of `bench --vs '...'`: the model options and --kv-type, parsed with the same
/// rules as the command line and laid over the baseline's.
/// </summary>
internal static class VsSettings
{
    public static Option<GgmlType> KvTypeOption() => new("--kv-type")
    {
        Description = "KV cache type: F16, BF16 or F32.",
        HelpName = "F16|BF16|F32", // not every GgmlType the enum would list
        DefaultValueFactory = _ => GgmlType.F16,
    };

    public static void ValidateKvType(CommandResult result, Option<GgmlType> option)
    {
        if (result.GetResult(option) is { Implicit: false } && result.GetValue(option) is not (GgmlType.F16 or GgmlType.BF16 or GgmlType.F32) and var type)
        {
            result.AddError($"--kv-type {type}: the KV cache is F16, BF16 or F32.");
        }
    }

    /// <summary>The errors of the --vs text (none when it parses), and an error when it changes nothing.</summary>
    public static IEnumerable<string> Errors(string text)
    {
        var (_, _, parsed) = Parse(text);
        if (parsed.Errors.Count > 0)
        {
            return parsed.Errors.Select(e => e.Message);
        }
        return parsed.Tokens.Count == 0 ? ["no settings to compare with (e.g. --vs '--backend cuda')."] : [];
    }

    /// <summary>The B configuration: <paramref name="spec"/> and <paramref name="kvType"/> with the --vs settings laid over them.</summary>
    public static (ModelSpec Spec, GgmlType KvType) Apply(string text, ModelSpec spec, GgmlType kvType)
    {
        var (model, kv, parsed) = Parse(text);
        var other = model.Overlay(spec, parsed);
        var otherKv = parsed.GetResult(kv) is { Implicit: false } ? parsed.GetValue(kv) : kvType;
        var sameTunables = other.Tunables.Count == spec.Tunables.Count && !other.Tunables.Except(spec.Tunables).Any();
        if (other with { Tunables = spec.Tunables } == spec && sameTunables && otherKv == kvType)
        {
            throw new ArgumentException($"--vs '{text}' gives the same settings as the baseline: nothing to compare.");
        }
        return (other, otherKv);
    }

    private static (ModelArguments, Option<GgmlType>, ParseResult) Parse(string text)
    {
        var command = new RootCommand("--vs settings");
        var model = ModelArguments.AddTo(command, modelRequired: false);
        var kv = KvTypeOption();
        command.Options.Add(kv);
        command.Validators.Add(result => ValidateKvType(result, kv));
        return (model, kv, command.Parse(CommandLineParser.SplitCommandLine(text).ToArray()));
    }
}
