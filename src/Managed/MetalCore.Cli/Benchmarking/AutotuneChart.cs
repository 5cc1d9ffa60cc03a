using MetalCore.Tuning;
using ScottPlot;

namespace MetalCore.Cli.Benchmarking;

/// <summary>The PNG of <c>autotune --chart</c>: per tunable, the isolated time of every candidate (adopted value highlighted).</summary>
internal static class AutotuneChart
{
    public static void Save(string path, AutotuneResult result, string title)
    {
        var multiplot = new Multiplot();
        for (var t = 0; t < result.Tunables.Count; t++)
        {
            var tunable = result.Tunables[t];
            var plot = new Plot();
            if (t == 0)
            {
                multiplot.Reset(plot);
            }
            else
            {
                multiplot.AddPlot(plot);
            }
            var ordered = tunable.Candidates.OrderBy(c => c.Value).ToList();
            var bars = ordered.Select((c, i) => new Bar
            {
                Position = i,
                Value = c.IsolatedMicroseconds,
                FillColor = c.Value == tunable.Adopted ? Colors.C2 : c.RatioToBaseline is null ? Colors.C0.WithAlpha(0.5) : Colors.C0,
                Label = c.RatioToBaseline is { } r ? $"{(r.TrimmedMean - 1) * 100:+0.0;-0.0}%" : "",
            }).ToList();
            plot.Add.Bars(bars);
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, ordered.Count).Select(i => (double)i)], [.. ordered.Select(c => c.Value.ToString())]);
            plot.Axes.Margins(bottom: 0);
            plot.Title($"{(t == 0 ? title + "\n" : "")}{tunable.Spec.Name} ({tunable.Spec.Phase.ToString().ToLowerInvariant()}): isolated µs per candidate; labels: full-run change of finalists; green: adopted", size: 12);
            plot.YLabel("µs");
        }
        multiplot.SavePng(path, 1000, 300 * Math.Max(1, multiplot.Count()));
    }
}
