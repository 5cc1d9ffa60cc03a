using System.CommandLine;
using MetalCore.Cli;
using MetalCore.Cli.Commands;

var root = new RootCommand("MetalCore: fast local LLM token generation (Metal, CUDA, CPU).");
root.Options.Add(CommonOptions.Verbose);
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(LogitsCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return CommandRunner.Invoke(root, args);
