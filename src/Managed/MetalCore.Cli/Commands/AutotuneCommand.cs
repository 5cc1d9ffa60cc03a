using System.CommandLine;
using MetalCore.Benchmarking;
using MetalCore.Cli.Benchmarking;
using MetalCore.Models;
using MetalCore.Tuning;
using Spectre.Console;

namespace MetalCore.Cli.Commands;

/// <summary>
/// `metalcore autotune`: sweeps the backend's tunables (candidates from <see cref="TunableCatalog"/>)
/// in isolation, confirms the best in the full benchmark, and writes the values that clearly win
/// to the tuning table that models load with.
/// </summary>
internal static class AutotuneCommand
{
    public static Command Create()
    {
        var command = new Command("autotune", "Tune the backend's kernels for this device and model shape; writes the tuning table.");
        var model = ModelArguments.AddTo(command);
        var tunables = new Option<string[]>("--tunables") { Description = "Only these tunables (names separated by commas or repeated).", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = true };
        var repetitions = new Option<int>("--repetitions") { Description = "Isolated measurements per candidate (median).", DefaultValueFactory = _ => 5 };
        var top = new Option<int>("--top") { Description = "Best isolated candidates confirmed in the full benchmark.", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Full-benchmark rounds (baseline then each finalist).", DefaultValueFactory = _ => 5 };
        var prompt = new Option<int>("--prompt") { Description = "Prompt tokens per full run (and per isolated prompt measurement).", DefaultValueFactory = _ => 64 };
        var gen = new Option<int>("--gen") { Description = "Decoded tokens per full run.", DefaultValueFactory = _ => 32 };
        var depth = new Option<int>("--depth") { Description = "Tokens in the KV cache before the prompt (attention tunables need some).", DefaultValueFactory = _ => 256 };
        var table = new Option<string?>("--table") { Description = $"Tuning table to update (default: {TuningTable.UserTablePath})." };
        var anyShape = new Option<bool>("--any-shape") { Description = "Write the values for every model on this device (shape \"*\"), not only this shape." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Measure and print, but write no table." };
        var chart = new Option<string?>("--chart") { Description = "Write a PNG chart of the isolated sweeps." };
        foreach (var option in new Option[] { tunables, repetitions, top, rounds, prompt, gen, depth, table, anyShape, dryRun, chart })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            if (result.IsBelow(repetitions, 1) || result.IsBelow(top, 1) || result.IsBelow(prompt, 1) || result.IsBelow(gen, 1) || result.IsBelow(depth, 0))
            {
                result.AddError("--repetitions, --top, --prompt and --gen must be at least 1, --depth at least 0.");
            }
            if (result.IsBelow(rounds, 2))
            {
                result.AddError("--rounds must be at least 2 (a confidence interval needs two ratios).");
            }
            if (result.GetValue(chart) is { } path && !path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError($"--chart '{path}': give a file name ending in .png.");
            }
        });
        command.SetCancellableAction((parsed, _) =>
        {
            var spec = model.Read(parsed);
            var backend = spec.ChooseBackend().Backend;
            var names = (parsed.GetValue(tunables) ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var specs = TunableCatalog.Select(backend, names);
            var bench = new DecodeBenchmarkOptions
            {
                PromptTokens = parsed.GetValue(prompt),
                GeneratedTokens = parsed.GetValue(gen),
                Depth = parsed.GetValue(depth),
            };
            var options = new AutotuneOptions
            {
                IsolatedRepetitions = parsed.GetValue(repetitions),
                TopCandidates = parsed.GetValue(top),
                ConfirmRounds = parsed.GetValue(rounds),
            };
            string device, shapeKey;
            IReadOnlyDictionary<string, int> start;
            using (var probeModel = spec.Load(backend, new ModelLoadOptions()))
            {
                device = probeModel.DeviceName;
                shapeKey = probeModel.ShapeKey;
                start = probeModel.AppliedTunables;
            }
            Console.WriteLine($"autotune {TuningTable.BackendName(backend)} on {device}, model [{shapeKey}]: {string.Join(", ", specs.Select(s => s.Name))}");
            // The baseline is how models load now: the tuning table's values (and --tunable), else the backend's defaults.
            Console.WriteLine($"baseline: {(start.Count == 0 ? "the backend's defaults" : Autotuner.Describe(start))}");
            using var probe = new ModelTuningProbe(profile => spec.Load(backend, new ModelLoadOptions { ProfileOps = profile }), bench);
            var steps = specs.Sum(s => s.Candidates.Count * options.IsolatedRepetitions + 1 + options.ConfirmRounds * (1 + Math.Min(options.TopCandidates, s.Candidates.Count)));
            var result = RunProgress.Run("autotune", steps, report => Autotuner.Run(specs, probe, options, report));
            Print(result);
            if (parsed.GetValue(chart) is { } chartPath)
            {
                AutotuneChart.Save(chartPath, result, $"{TuningTable.BackendName(backend)} on {device}");
                Console.WriteLine($"wrote {chartPath}");
            }
            if (result.Adopted.Count == 0)
            {
                Console.WriteLine("no tunable clearly beat the baseline: the tuning table is unchanged.");
                return;
            }
            var entry = new TuningEntry
            {
                Backend = TuningTable.BackendName(backend),
                Device = device,
                Shape = parsed.GetValue(anyShape) ? ModelShape.Any : shapeKey,
                Tunables = new Dictionary<string, int>(result.Adopted),
                Evidence = Evidence(result, shapeKey, bench),
            };
            var path = parsed.GetValue(table) ?? TuningTable.UserTablePath;
            if (parsed.GetValue(dryRun))
            {
                Console.WriteLine($"dry run: would write to {path}: {Autotuner.Describe(entry.Tunables)}");
                return;
            }
            var existing = File.Exists(path) ? TuningTable.Load(path) : TuningTable.Empty;
            // Keep the values the entry already had for tunables this run did not change.
            if (existing.Entries.FirstOrDefault(e => e.Backend == entry.Backend && e.Device == entry.Device && e.Shape == entry.Shape) is { } previous)
            {
                foreach (var (name, value) in previous.Tunables)
                {
                    entry.Tunables.TryAdd(name, value);
                }
            }
            existing.With(entry).Save(path);
            Console.WriteLine($"wrote {Autotuner.Describe(entry.Tunables)} for ({entry.Backend}, {entry.Device}, {entry.Shape}) to {path}");
        });
        return command;
    }

    private static string Evidence(AutotuneResult result, string shapeKey, DecodeBenchmarkOptions bench)
    {
        var decode = result.DecodeRatio is { } d ? $"decode x{d.TrimmedMean:F3} ± {d.ConfidenceHalfWidth95:F3}" : "";
        var prompt = result.PromptRatio is { } p ? $", prompt x{p.TrimmedMean:F3} ± {p.ConfidenceHalfWidth95:F3}" : "";
        return $"metalcore autotune {DateTime.UtcNow:yyyy-MM-dd} on [{shapeKey}], {bench.PromptTokens} prompt + {bench.GeneratedTokens} decoded at depth {bench.Depth}: {decode}{prompt} vs the values models loaded with before";
    }

    private static void Print(AutotuneResult result)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("tunable").AddColumn(new TableColumn("value").RightAligned())
            .AddColumn(new TableColumn("isolated µs").RightAligned()).AddColumn(new TableColumn("full run vs baseline").RightAligned()).AddColumn("");
        foreach (var tunable in result.Tunables)
        {
            foreach (var candidate in tunable.Candidates)
            {
                var ratio = candidate.RatioToBaseline is { } r ? $"{(r.TrimmedMean - 1) * 100:+0.0;-0.0}% ± {r.ConfidenceHalfWidth95 * 100:F1}%" : "";
                table.AddRow(Markup.Escape(tunable.Spec.Name), $"{candidate.Value}", $"{candidate.IsolatedMicroseconds:F1}", ratio,
                    tunable.Adopted == candidate.Value ? "adopted" : "");
            }
            table.AddEmptyRow();
        }
        AnsiConsole.Write(table);
        foreach (var tunable in result.Tunables)
        {
            Console.WriteLine(tunable.Verdict);
        }
        if (result.DecodeRatio is { } decode)
        {
            Console.WriteLine($"all adopted ({Autotuner.Describe(result.Adopted)}) vs the baseline: decode x{decode.TrimmedMean:F3} ± {decode.ConfidenceHalfWidth95:F3}"
                + (result.PromptRatio is { } p ? $", prompt x{p.TrimmedMean:F3} ± {p.ConfidenceHalfWidth95:F3}" : ""));
        }
    }
}
