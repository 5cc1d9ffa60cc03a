using Spectre.Console;

namespace MetalCore.Cli.Benchmarking;

/// <summary>
/// Progress of a long measurement: a Spectre.Console progress bar on a terminal, one line per
/// step on standard error otherwise (logs, pipes, CI).
/// </summary>
internal static class RunProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports each of its <paramref name="steps"/> steps with a short line.</summary>
    public static T Run<T>(string title, int steps, Func<Action<string>, T> work)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            Console.Error.WriteLine(title);
            return work(line => Console.Error.WriteLine($"  {line}"));
        }
        var result = default(T)!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: steps);
                result = work(line =>
                {
                    task.Increment(1);
                    task.Description = Markup.Escape($"{title}: {line}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }
}
