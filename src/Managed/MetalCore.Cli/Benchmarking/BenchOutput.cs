using MetalCore.Benchmarking;
using Spectre.Console;

namespace MetalCore.Cli.Benchmarking;

/// <summary>The bench report as a table on standard output: one column per configuration, side by side.</summary>
internal static class BenchOutput
{
    public static void Print(BenchReport report)
    {
        var configurations = report.Configurations;
        var first = configurations[0];
        Console.WriteLine($"model   {first.Model}  [{first.ShapeKey}]");
        foreach (var c in configurations)
        {
            Console.WriteLine($"{c.Label,-7} {c.Backend} on {c.Device}: {c.Arguments}"
                + (c.Tunables.Count > 0 ? $"  (tunables: {string.Join(", ", c.Tunables.Select(t => $"{t.Key}={t.Value}"))})" : ""));
        }
        var settings = report.Settings;
        Console.WriteLine($"runs    {settings.Runs} counted after {settings.Warmups} warm-up; {settings.PromptTokens} prompt tokens, "
            + $"{settings.GeneratedTokens} decoded at depth {settings.Depth}");

        var table = new Table().Border(TableBorder.Simple).AddColumn("");
        foreach (var c in configurations)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c.Label)).RightAligned());
        }
        void Row(string name, Func<BenchConfiguration, string> value) =>
            table.AddRow([Markup.Escape(name), .. configurations.Select(c => Markup.Escape(value(c)))]);
        Row("decode tok/s", c => $"{c.Decode.TrimmedMean:F2} ± {c.Decode.ConfidenceHalfWidth95:F2}");
        Row("  median", c => $"{c.Decode.Median:F2}");
        Row("  spread", c => $"{c.Decode.SpreadPercent:F1}%");
        Row("prompt tok/s", c => $"{c.Prompt.TrimmedMean:F1} ± {c.Prompt.ConfidenceHalfWidth95:F1}");
        Row("  median", c => $"{c.Prompt.Median:F1}");
        Row("  spread", c => $"{c.Prompt.SpreadPercent:F1}%");
        Row("dispatches/token", c => $"{c.PerToken.Dispatches:F0}");
        Row("device µs/token", c => c.PerToken.DeviceMicroseconds is { } us ? $"{us:F0}" : "n/a");
        Row("encode µs/token", c => c.PerToken.EncodeMicroseconds is { } us ? $"{us:F1}" : "n/a");
        Row("MB read/token", c => $"{c.PerToken.BytesRead / 1e6:F1}");
        Row("GB/s (at median)", c => $"{c.PerToken.BandwidthBytesPerSecond / 1e9:F2}");
        Row("of measured bandwidth", c => c.PerToken.BandwidthFraction is { } f ? $"{f:P0}" : "n/a");
        AnsiConsole.Write(table);
        if (report.MeasuredBandwidthBytesPerSecond is { } bandwidth)
        {
            Console.WriteLine($"bandwidth  {bandwidth / 1e9:F2} GB/s measured on {first.Device} (argmax over 512 MiB, median of 7)");
            if (configurations.Any(c => c.PerToken.BandwidthFraction > 1))
            {
                // Seen on CPUs: the probe reads one sequential stream per thread, the decode's matvecs sometimes more.
                Console.WriteLine("           above 100%: the decode read faster than the probe, which is a lower bound of what this memory delivers");
            }
        }
        if (report.Comparison is { } comparison)
        {
            Console.WriteLine($"{comparison.Other} / {comparison.Baseline}  decode {Ratio(comparison.DecodeRatio)}   prompt {Ratio(comparison.PromptRatio)}  (pair by pair, n={comparison.DecodeRatio.Count})");
            Console.WriteLine($"  decode ratio per pair: {string.Join(" ", comparison.DecodeRatios.Select(r => r.ToString("F3")))}");
        }
    }

    private static string Ratio(RunStatistics s) =>
        $"{s.TrimmedMean:F3} ± {s.ConfidenceHalfWidth95:F3} ({(s.TrimmedMean - 1) * 100:+0.0;-0.0}%, median {s.Median:F3})";
}
