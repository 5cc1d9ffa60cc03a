using System.CommandLine;
using MetalCore.Runtime;

namespace MetalCore.Cli;

/// <summary>
/// Runs the parsed command and turns failures into one clear line on stderr and a non-zero
/// exit code (the stack trace only with --verbose).
/// </summary>
internal static class CommandRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        var verbose = parsed.GetValue(CommonOptions.Verbose);
        // The native library's warnings (e.g. a CUDA backend without cuBLASLt) in the same form as
        // errors; its notes only with --verbose.
        NativeLog.MessageLogged += (_, message) =>
        {
            if (message.Level >= NativeLogLevel.Warning || verbose)
            {
                Console.Error.WriteLine($"{message.Level.ToString().ToLowerInvariant()}: {message.Text}");
            }
        };
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var error = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            Console.Error.WriteLine(verbose ? error.ToString() : $"error: {error.Message}");
            return error is OperationCanceledException ? 130 : 1;
        }
    }

    /// <summary>A command action that stops on Ctrl+C through the token it is given.</summary>
    public static void SetCancellableAction(this Command command, Action<ParseResult, CancellationToken> action) =>
        command.SetAction((parseResult, cancellationToken) =>
        {
            action(parseResult, cancellationToken);
            return Task.FromResult(0);
        });
}
