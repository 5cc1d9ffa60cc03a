using MetalCore.Benchmarking;
using ScottPlot;

namespace MetalCore.Cli.Benchmarking;

/// <summary>
/// The PNG of <c>bench --chart</c>: every counted run of every configuration (decode above,
/// prompt below), each with its trimmed mean as a line and its 95% CI as a band; for --vs and
/// --load a third panel with the B/A ratio of every pair and its CI.
/// </summary>
internal static class BenchChart
{
    private static readonly Color[] s_colors = [Colors.C0, Colors.C1, Colors.C2, Colors.C3];

    public static void Save(string path, BenchReport report)
    {
        var multiplot = new Multiplot();
        var decode = new Plot();
        multiplot.Reset(decode);
        AddSpeeds(decode, report, c => c.Decode, r => r.DecodeTokensPerSecond, "decode tok/s");
        var prompt = multiplot.AddPlot();
        AddSpeeds(prompt, report, c => c.Prompt, r => r.PromptTokensPerSecond, "prompt tok/s");
        if (report.Comparison is { } comparison)
        {
            var ratio = multiplot.AddPlot();
            AddSeries(ratio, comparison.DecodeRatios, comparison.DecodeRatio, s_colors[2],
                $"decode {comparison.Other} / {comparison.Baseline}: {comparison.DecodeRatio.TrimmedMean:F3} ± {comparison.DecodeRatio.ConfidenceHalfWidth95:F3}");
            ratio.Add.HorizontalLine(1, color: Colors.Gray, pattern: LinePattern.Dotted);
            ratio.YLabel("ratio");
            ratio.XLabel("pair");
            ratio.ShowLegend(Alignment.LowerRight);
        }
        var first = report.Configurations[0];
        decode.Title($"{first.Model}, {first.Device}\n{report.Settings.PromptTokens} prompt + {report.Settings.GeneratedTokens} decoded tokens, {report.Settings.Runs} runs: every run, trimmed mean (dashed) and its 95% CI (band)", size: 13);
        multiplot.SavePng(path, 1000, 360 * multiplot.Count());
    }

    private static void AddSpeeds(Plot plot, BenchReport report, Func<BenchConfiguration, RunStatistics> statistics,
        Func<DecodeRun, double> speed, string label)
    {
        for (var i = 0; i < report.Configurations.Count; i++)
        {
            var configuration = report.Configurations[i];
            var s = statistics(configuration);
            AddSeries(plot, configuration.Runs.Select(speed).ToArray(), s, s_colors[i % s_colors.Length],
                $"{configuration.Label} ({configuration.Backend}): {s.TrimmedMean:F2} ± {s.ConfidenceHalfWidth95:F2}, spread {s.SpreadPercent:F1}%");
        }
        plot.YLabel(label);
        plot.XLabel("run");
        plot.ShowLegend(Alignment.LowerRight);
    }

    // The runs as markers joined by a thin line, the mean as a dashed line, the CI as a band.
    private static void AddSeries(Plot plot, IReadOnlyList<double> values, RunStatistics s, Color color, string legend)
    {
        var xs = Enumerable.Range(1, values.Count).Select(x => (double)x).ToArray();
        var band = plot.Add.VerticalSpan(s.TrimmedMean - s.ConfidenceHalfWidth95, s.TrimmedMean + s.ConfidenceHalfWidth95);
        band.FillStyle.Color = color.WithAlpha(0.18);
        band.LineStyle.Width = 0;
        var mean = plot.Add.HorizontalLine(s.TrimmedMean, color: color, pattern: LinePattern.Dashed);
        mean.LineWidth = 1;
        var runs = plot.Add.Scatter(xs, values.ToArray(), color);
        runs.LineWidth = 1;
        runs.MarkerSize = 7;
        runs.LegendText = legend;
    }
}
