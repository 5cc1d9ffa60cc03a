using System.CommandLine;
using MetalCore.Runtime;

namespace MetalCore.Cli;

/// <summary>Options shared by the commands that load a model.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print stack traces with errors.",
        Recursive = true,
    };

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Path to a GGUF model file.",
        Required = true,
    };

    public static Option<ComputeBackend> Backend() => new("--backend", "-b")
    {
        Description = "Where the model runs: auto, cpu, metal or cuda.",
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
}

/// <summary>The model-loading options of one command, read together.</summary>
internal sealed record ModelArguments(Option<string> Model, Option<ComputeBackend> Backend, Option<int> Threads, Option<int> ContextLength)
{
    public static ModelArguments AddTo(Command command)
    {
        var arguments = new ModelArguments(CommonOptions.Model(), CommonOptions.Backend(), CommonOptions.Threads(), CommonOptions.ContextLength());
        command.Options.Add(arguments.Model);
        command.Options.Add(arguments.Backend);
        command.Options.Add(arguments.Threads);
        command.Options.Add(arguments.ContextLength);
        return arguments;
    }

    public LanguageModel Load(ParseResult parsed) => LanguageModel.Load(parsed.GetValue(Model)!, new ModelLoadOptions
    {
        Backend = parsed.GetValue(Backend),
        Threads = parsed.GetValue(Threads),
    });

    /// <summary>The context length asked for, or the model's own capped at 4096.</summary>
    public int ContextFor(ParseResult parsed, LanguageModel model) =>
        parsed.GetValue(ContextLength) is > 0 and var requested ? requested : Math.Min(4096, model.Config.TrainedContextLength);
}
