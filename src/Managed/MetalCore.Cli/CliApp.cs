using System.CommandLine;
using MetalCore.Cli.Commands;

namespace MetalCore.Cli;

/// <summary>The `metalcore` command tree (built here so tests can parse against it).</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("MetalCore: fast local LLM token generation (Metal, CUDA, CPU).");
        root.Options.Add(CommonOptions.Verbose);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(LogitsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(PerplexityCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(AutotuneCommand.Create());
        root.Subcommands.Add(LoadWorkerCommand.Create());
        return root;
    }
}
