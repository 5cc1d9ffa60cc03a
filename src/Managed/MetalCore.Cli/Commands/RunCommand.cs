using System.CommandLine;
using System.Diagnostics;
using MetalCore.Generation;
using MetalCore.Models;
using MetalCore.Sampling;

namespace MetalCore.Cli.Commands;

/// <summary>`metalcore run`: streams a continuation of a prompt, then prompt and generation speed.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Generate text from a prompt.");
        var model = ModelArguments.AddTo(command, modelRequired: false);
        var prompt = new Option<string>("--prompt", "-p") { Description = "The prompt (for a --shape model, which has no tokenizer: token ids).", DefaultValueFactory = _ => "" };
        var count = new Option<int>("--max-tokens", "-n") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 256 };
        var sampling = SamplingArguments.AddTo(command);
        command.Options.Add(prompt);
        command.Options.Add(count);
        command.SetCancellableAction((parsed, cancellation) =>
        {
            using var loaded = model.Read(parsed).Load();
            using var session = loaded.CreateSession(new SessionOptions { ContextLength = model.ContextFor(parsed, loaded) });
            var text = parsed.GetValue(prompt)!;
            if (loaded.Tokenizer is not { } tokenizer)
            {
                GenerateIds(loaded, session, text, parsed.GetValue(count), sampling.Read(parsed), cancellation);
                return;
            }
            var tokens = tokenizer.Encode(text, addSpecial: true);
            if (tokens.Length == 0)
            {
                throw new ArgumentException("The prompt is empty and the model adds no BOS token: give a --prompt.");
            }
            var generator = new TextGenerator(session, tokenizer);
            Console.Write(text);
            foreach (var piece in generator.Generate(tokens, new GenerationOptions
            {
                MaxTokens = parsed.GetValue(count),
                Sampling = sampling.Read(parsed),
            }, cancellation))
            {
                Console.Write(piece);
            }
            Console.WriteLine();
            var stats = generator.LastStatistics!;
            Console.Error.WriteLine(
                $"[{loaded.Backend}: {loaded.DeviceName}] prompt {stats.PromptTokens} tokens at {stats.PromptTokensPerSecond:F1} tok/s, "
                + $"generated {stats.GeneratedTokens} tokens at {stats.GenerationTokensPerSecond:F1} tok/s ({stats.FinishReason})");
        });
        return command;
    }

    // A synthetic model has no vocabulary: the prompt is token ids (default: token 0) and the
    // output is the generated ids, meaningless but produced at the model's real speed.
    private static void GenerateIds(LanguageModel model, InferenceSession session, string prompt, int maxTokens, SamplingOptions sampling, CancellationToken cancellation)
    {
        var pending = prompt.Trim().Length == 0 ? [0] : LogitsCommand.ParseIds(prompt);
        var history = new List<int>(pending);
        var sampler = new TokenSampler(sampling);
        var logits = new float[session.VocabularySize];
        var clock = Stopwatch.StartNew();
        var promptSeconds = 0.0;
        var produced = 0;
        for (; produced < maxTokens && !cancellation.IsCancellationRequested && session.Position + pending.Length <= session.ContextLength; produced++)
        {
            int next;
            if (sampling.IsGreedy)
            {
                next = session.AppendGreedy(pending);
            }
            else
            {
                session.Append(pending, logits);
                next = sampler.Sample(logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(history));
            }
            if (produced == 0)
            {
                promptSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
            }
            Console.Write(produced == 0 ? $"{next}" : $" {next}");
            history.Add(next);
            pending = [next];
        }
        Console.WriteLine();
        Console.Error.WriteLine($"[{model.Backend}: {model.DeviceName}] {model.Source}: prompt {history.Count - produced} tokens in {promptSeconds * 1e3:F0} ms, "
            + $"generated {produced} token ids at {(produced - 1) / clock.Elapsed.TotalSeconds:F1} tok/s");
    }
}

/// <summary>The sampling options of a command.</summary>
internal sealed record SamplingArguments(Option<float> Temperature, Option<int> TopK, Option<float> TopP, Option<float> MinP,
    Option<float> RepeatPenalty, Option<float> PresencePenalty, Option<float> FrequencyPenalty, Option<ulong?> Seed)
{
    public static SamplingArguments AddTo(Command command)
    {
        var arguments = new SamplingArguments(
            new Option<float>("--temp") { Description = "Temperature; 0 = greedy (the default).", DefaultValueFactory = _ => 0f },
            new Option<int>("--top-k") { Description = "Keep the k most likely tokens (0 = off)." },
            new Option<float>("--top-p") { Description = "Nucleus sampling threshold (1 = off).", DefaultValueFactory = _ => 1f },
            new Option<float>("--min-p") { Description = "Drop tokens below min-p times the best (0 = off)." },
            new Option<float>("--repeat-penalty") { Description = "Repetition penalty (1 = off).", DefaultValueFactory = _ => 1f },
            new Option<float>("--presence-penalty") { Description = "Presence penalty (0 = off)." },
            new Option<float>("--frequency-penalty") { Description = "Frequency penalty (0 = off)." },
            new Option<ulong?>("--seed") { Description = "Random seed: the same seed gives the same text." });
        foreach (var option in new Option[] { arguments.Temperature, arguments.TopK, arguments.TopP, arguments.MinP,
            arguments.RepeatPenalty, arguments.PresencePenalty, arguments.FrequencyPenalty, arguments.Seed })
        {
            command.Options.Add(option);
        }
        return arguments;
    }

    public SamplingOptions Read(ParseResult parsed) => new()
    {
        Temperature = parsed.GetValue(Temperature),
        TopK = parsed.GetValue(TopK),
        TopP = parsed.GetValue(TopP),
        MinP = parsed.GetValue(MinP),
        RepetitionPenalty = parsed.GetValue(RepeatPenalty),
        PresencePenalty = parsed.GetValue(PresencePenalty),
        FrequencyPenalty = parsed.GetValue(FrequencyPenalty),
        Seed = parsed.GetValue(Seed),
    };
}
