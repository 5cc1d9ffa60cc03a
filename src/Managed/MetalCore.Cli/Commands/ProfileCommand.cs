using System.CommandLine;
using MetalCore.Benchmarking;
using MetalCore.Models;
using Spectre.Console;

namespace MetalCore.Cli.Commands;

/// <summary>
/// `metalcore profile`: where one decode step's device time goes, kernel by kernel, ranked,
/// with each kernel's share of the step (the table that found seed 002's argmax); and with
/// --capture, the backend's capture of one step (Metal .gputrace, CUDA NVTX range).
/// </summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var command = new Command("profile", "Per-kernel device time of one decode step, ranked, with its share of the step.");
        var model = ModelArguments.AddTo(command);
        var prompt = new Option<int>("--prompt") { Description = "Tokens in the KV cache before the profiled steps.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Decode steps averaged.", DefaultValueFactory = _ => 8 };
        var kv = VsSettings.KvTypeOption();
        var capture = new Option<string?>("--capture")
        {
            Description = "Also capture one decode step with the backend's capture hook to this path (Metal: a .gputrace, run with MTL_CAPTURE_ENABLED=1; CUDA: an NVTX range named by it, under nsys).",
        };
        foreach (var option in new Option[] { prompt, steps, kv, capture })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            if (result.IsBelow(prompt, 1) || result.IsBelow(steps, 1))
            {
                result.AddError("--prompt and --steps must be at least 1.");
            }
            VsSettings.ValidateKvType(result, kv);
        });
        command.SetCancellableAction((parsed, _) =>
        {
            using var loaded = model.Read(parsed).Load(new ModelLoadOptions { ProfileOps = true });
            var profile = StepProfiler.Profile(loaded, parsed.GetValue(prompt), parsed.GetValue(steps), session: new SessionOptions { KvCacheType = parsed.GetValue(kv) });
            Print(loaded, profile);
            if (parsed.GetValue(capture) is { } path)
            {
                StepProfiler.CaptureOneStep(loaded, path, parsed.GetValue(prompt));
                Console.WriteLine($"captured one decode step: {path}");
            }
        });
        return command;
    }

    private static void Print(LanguageModel model, StepProfile profile)
    {
        Console.WriteLine($"model   {model.Source}  [{model.ShapeKey}]");
        Console.WriteLine($"device  {model.DeviceName} ({model.Backend})");
        Console.WriteLine($"step    {profile.Steps} decode steps averaged at context {profile.ContextTokens}: "
            + $"kernels {profile.KernelMicrosecondsPerStep:F0} µs, wall {profile.WallMicrosecondsPerStep:F0} µs, {profile.DispatchesPerStep:F0} dispatches");
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("#").AddColumn("kernel").AddColumn(new TableColumn("calls/step").RightAligned())
            .AddColumn(new TableColumn("µs/step").RightAligned()).AddColumn(new TableColumn("µs/call").RightAligned())
            .AddColumn(new TableColumn("share").RightAligned()).AddColumn(new TableColumn("cumulative").RightAligned());
        var cumulative = 0.0;
        for (var i = 0; i < profile.Kernels.Count; i++)
        {
            var k = profile.Kernels[i];
            cumulative += k.Share;
            table.AddRow($"{i + 1}", Markup.Escape(k.Kernel), $"{k.CallsPerStep:F1}", $"{k.MicrosecondsPerStep:F1}",
                $"{k.MicrosecondsPerStep / Math.Max(k.CallsPerStep, 1e-9):F2}", $"{k.Share:P1}", $"{cumulative:P1}");
        }
        AnsiConsole.Write(table);
    }
}
