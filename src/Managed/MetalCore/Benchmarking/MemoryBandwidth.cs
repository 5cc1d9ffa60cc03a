using System.Diagnostics;
using System.Numerics.Tensors;

namespace MetalCore.Benchmarking;

/// <summary>
/// Measures this machine's host memory read bandwidth the way the CPU decode loop reads weights:
/// every thread sums its own part of a buffer much larger than the caches with vector loads.
/// </summary>
public static class MemoryBandwidth
{
    /// <summary>Read bandwidth in bytes per second: the median of <paramref name="repetitions"/> passes.</summary>
    public static double MeasureReadBytesPerSecond(int threads, long bytes = 1L << 30, int repetitions = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var data = GC.AllocateUninitializedArray<float>((int)(bytes / sizeof(float)), pinned: true);
        data.AsSpan().Fill(1f); // touch every page before timing
        var part = data.Length / threads;
        var sums = new float[threads];
        var rates = new double[repetitions];
        for (var r = 0; r < repetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                sums[t] = TensorPrimitives.Sum(data.AsSpan(t * part, part)));
            rates[r] = (double)part * threads * sizeof(float) / clock.Elapsed.TotalSeconds;
        }
        GC.KeepAlive(sums);
        return RunStatistics.Of(rates).Median;
    }
}
