using System.Diagnostics;
using MetalCore.ModelFiles;

namespace MetalCore.Benchmarking;

/// <summary>
/// Measures the read bandwidth a backend's own kernels reach on its device: its argmax op
/// streams a 512 MiB float matrix, one row per work item, and writes one index per row, so
/// nearly all traffic is reads, as in a decode step. The same probe serves every backend, so
/// "fraction of measured bandwidth" means the same thing on CPU, Metal and CUDA.
/// </summary>
internal static class DeviceBandwidth
{
    /// <summary>Read bytes per second: the median of <paramref name="repetitions"/> passes after one warm-up.</summary>
    public static double MeasureReadBytesPerSecond(LanguageModel model, int repetitions = 7)
    {
        const int rows = 8192, cols = 16384; // 512 MiB: far beyond any cache
        var context = model.Context;
        using var matrix = context.Allocate((ulong)rows * cols * sizeof(float));
        using var indices = context.Allocate(rows * sizeof(int));
        // Real data on every page: untouched zero pages could be served without reading memory.
        var chunk = new float[1 << 22];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (i * 2654435761u % 1000) * 1e-3f;
        }
        for (ulong offset = 0; offset < matrix.Size; offset += (ulong)chunk.Length * sizeof(float))
        {
            matrix.Write<float>(chunk, offset);
        }
        var x = matrix.View(GgmlType.F32, rows, cols);
        var output = indices.View(GgmlType.I32, rows, 1);
        var rates = new double[repetitions];
        for (var r = -1; r < repetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            context.ArgMax(x, output);
            context.Synchronize();
            if (r >= 0)
            {
                rates[r] = matrix.Size / clock.Elapsed.TotalSeconds;
            }
        }
        return RunStatistics.Of(rates).Median;
    }
}
