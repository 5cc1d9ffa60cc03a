using System.CommandLine;
using MetalCore.Benchmarking;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;

namespace MetalCore.Cli.Commands;

/// <summary>
/// `metalcore bench`: prompt and decode speed with the statistics of seed 000, the bytes a
/// decode step must read, and the bandwidth that implies against what this machine measures.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure prompt and decode speed (trimmed mean ± 95% CI over counted runs).");
        var model = new Option<string>("--model", "-m") { Description = "A GGUF model file (or use --shape)." };
        var shape = new Option<string>("--shape") { Description = $"A synthetic model of this shape: {string.Join(", ", SyntheticShapes.Names)}." };
        var quant = new Option<GgmlType>("--quant", "-q") { Description = "Weight type of the synthetic model.", DefaultValueFactory = _ => GgmlType.Q8_0 };
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var runs = new Option<int>("--runs") { Description = "Counted runs.", DefaultValueFactory = _ => 15 };
        var warmup = new Option<int>("--warmup") { Description = "Discarded runs first.", DefaultValueFactory = _ => 2 };
        var prompt = new Option<int>("--prompt") { Description = "Prompt tokens per run.", DefaultValueFactory = _ => 64 };
        var gen = new Option<int>("--gen") { Description = "Decoded tokens per run.", DefaultValueFactory = _ => 128 };
        var depth = new Option<int>("--depth") { Description = "Tokens already in the KV cache before the prompt.", DefaultValueFactory = _ => 0 };
        var kv = new Option<GgmlType>("--kv-type") { Description = "KV cache type: F16, BF16 or F32.", DefaultValueFactory = _ => GgmlType.F16 };
        var highPriority = new Option<bool>("--high-priority") { Description = "Ask the device for its highest scheduling priority (CUDA: stream priority)." };
        foreach (var option in new Option[] { model, shape, quant, backend, threads, runs, warmup, prompt, gen, depth, kv, highPriority })
        {
            command.Options.Add(option);
        }
        command.SetCancellableAction((parsed, _) =>
        {
            var load = new ModelLoadOptions { Backend = parsed.GetValue(backend), Threads = parsed.GetValue(threads), HighPriority = parsed.GetValue(highPriority) };
            using var loaded = parsed.GetValue(shape) is { } name
                ? LanguageModel.CreateSynthetic(name, parsed.GetValue(quant), load)
                : parsed.GetValue(model) is { } path
                    ? LanguageModel.Load(path, load)
                    : throw new ArgumentException("bench needs --model FILE or --shape NAME.");
            var options = new DecodeBenchmarkOptions
            {
                Runs = parsed.GetValue(runs),
                Warmups = parsed.GetValue(warmup),
                PromptTokens = parsed.GetValue(prompt),
                GeneratedTokens = parsed.GetValue(gen),
                Depth = parsed.GetValue(depth),
                Session = new SessionOptions { KvCacheType = parsed.GetValue(kv) },
            };
            Console.WriteLine($"model   {loaded.Source}");
            Console.WriteLine($"device  {loaded.DeviceName} ({loaded.Backend})");
            var result = DecodeBenchmark.Run(loaded, options, (i, run) =>
                Console.Error.WriteLine($"  run {i + 1,2}: prompt {run.PromptTokensPerSecond,9:F1} tok/s   decode {run.DecodeTokensPerSecond,8:F2} tok/s"));
            Console.WriteLine($"prompt  {result.Prompt.Format()} tok/s ({options.PromptTokens} tokens)");
            Console.WriteLine($"decode  {result.Decode.Format("F2")} tok/s ({options.GeneratedTokens} tokens at depth {options.Depth})");
            var implied = result.BytesReadPerToken * result.Decode.Median;
            Console.WriteLine($"reads   {result.BytesReadPerToken / 1e6:F1} MB per decoded token -> {implied / 1e9:F2} GB/s at the median");
            if (loaded.Backend == ComputeBackend.Cpu)
            {
                var measured = MemoryBandwidth.MeasureReadBytesPerSecond(Math.Max(1, parsed.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount));
                Console.WriteLine($"memory  {measured / 1e9:F2} GB/s measured read bandwidth -> decode reaches {implied / measured:P0} of it");
            }
        });
        return command;
    }
}
