using System.CommandLine;

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
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var error = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            Console.Error.WriteLine(parsed.GetValue(CommonOptions.Verbose) ? error.ToString() : $"error: {error.Message}");
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
