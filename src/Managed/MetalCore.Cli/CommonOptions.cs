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

    public static Option<string> Model(bool required = true) => new("--model", "-m")
    {
        Description = required
            ? "A GGUF model file, or a Hugging Face safetensors model directory."
            : "A GGUF model file, or a Hugging Face safetensors model directory; the built-in demo model when absent.",
        Required = required,
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
    /// <summary>Adds the options; without <paramref name="modelRequired"/>, a missing --model means the built-in demo model.</summary>
    public static ModelArguments AddTo(Command command, bool modelRequired = true)
    {
        var arguments = new ModelArguments(CommonOptions.Model(modelRequired), CommonOptions.Backend(), CommonOptions.Threads(), CommonOptions.ContextLength());
        command.Options.Add(arguments.Model);
        command.Options.Add(arguments.Backend);
        command.Options.Add(arguments.Threads);
        command.Options.Add(arguments.ContextLength);
        return arguments;
    }

    public LanguageModel Load(ParseResult parsed)
    {
        var path = parsed.GetValue(Model);
        if (path is null)
        {
            path = DemoModel.Require();
            Console.Error.WriteLine($"using the built-in demo model {path}");
        }
        return LanguageModel.Load(path, new ModelLoadOptions
        {
            Backend = parsed.GetValue(Backend),
            Threads = parsed.GetValue(Threads),
        });
    }

    /// <summary>The context length asked for, or the model's own capped at 4096.</summary>
    public int ContextFor(ParseResult parsed, LanguageModel model) =>
        parsed.GetValue(ContextLength) is > 0 and var requested ? requested : Math.Min(4096, model.Config.TrainedContextLength);
}
