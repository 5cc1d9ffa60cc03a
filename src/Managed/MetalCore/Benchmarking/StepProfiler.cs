using System.Diagnostics;
using MetalCore.Models;

namespace MetalCore.Benchmarking;

/// <summary>One kernel's share of a decode step.</summary>
/// <param name="Kernel">The backend's kernel name (e.g. "matmul_q8_0").</param>
/// <param name="CallsPerStep">Times it runs per step.</param>
/// <param name="MicrosecondsPerStep">Its device time per step.</param>
/// <param name="Share">Its fraction of the summed kernel time of the step.</param>
internal sealed record KernelTime(string Kernel, double CallsPerStep, double MicrosecondsPerStep, double Share);

/// <summary>Where a decode step's device time goes, largest first (the table that found seed 002's argmax).</summary>
/// <param name="Kernels">Per kernel, ranked by time.</param>
/// <param name="KernelMicrosecondsPerStep">Summed kernel time per step.</param>
/// <param name="WallMicrosecondsPerStep">Host wall time per step, for comparison (includes launch and sync gaps).</param>
/// <param name="DispatchesPerStep">Kernel launches per step.</param>
/// <param name="Steps">Steps averaged.</param>
/// <param name="ContextTokens">Tokens in the cache when the measured steps started.</param>
internal sealed record StepProfile(IReadOnlyList<KernelTime> Kernels, double KernelMicrosecondsPerStep, double WallMicrosecondsPerStep,
    double DispatchesPerStep, int Steps, int ContextTokens);

/// <summary>Per-kernel device time of decode steps, and the backend's capture of one step.</summary>
internal static class StepProfiler
{
    /// <summary>
    /// Fills the cache with <paramref name="promptTokens"/> tokens, decodes
    /// <paramref name="warmupSteps"/> steps, then averages the backend's per-kernel times over
    /// <paramref name="steps"/> steps. The model must be loaded with <see cref="ModelLoadOptions.ProfileOps"/>.
    /// </summary>
    public static StepProfile Profile(LanguageModel model, int promptTokens = 64, int steps = 8, int warmupSteps = 2, SessionOptions? session = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        using var inference = model.CreateSession((session ?? new SessionOptions()) with { ContextLength = promptTokens + warmupSteps + steps + 1 });
        var next = inference.AppendGreedy(Prompt(model, promptTokens));
        for (var i = 0; i < warmupSteps; i++)
        {
            next = inference.AppendGreedy([next]);
        }
        var context = model.Context;
        context.ResetStats();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            next = inference.AppendGreedy([next]);
        }
        var wall = clock.Elapsed.TotalMicroseconds / steps;
        var entries = context.Profile();
        if (entries.Count == 0)
        {
            throw new InvalidOperationException($"The {model.Backend} backend recorded no per-kernel times: load the model with ProfileOps.");
        }
        var total = entries.Sum(e => e.TotalMicroseconds);
        var kernels = entries
            .Select(e => new KernelTime(e.Kernel, e.Calls / (double)steps, e.TotalMicroseconds / steps, total > 0 ? e.TotalMicroseconds / total : 0))
            .OrderByDescending(k => k.MicrosecondsPerStep)
            .ToList();
        return new StepProfile(kernels, total / steps, wall, context.Stats().Dispatches / (double)steps, steps, promptTokens + warmupSteps);
    }

    /// <summary>
    /// Captures one decode step with the backend's capture hook (Metal: a .gputrace written to
    /// <paramref name="path"/>, needs MTL_CAPTURE_ENABLED=1; CUDA: an NVTX range named by the
    /// path, recorded by a profiler such as Nsight Systems). The CPU backend has none.
    /// </summary>
    /// <exception cref="NativeNotSupportedException">The backend has no capture hook.</exception>
    public static void CaptureOneStep(LanguageModel model, string path, int promptTokens = 64)
    {
        using var inference = model.CreateSession(new SessionOptions { ContextLength = promptTokens + 2 });
        var next = inference.AppendGreedy(Prompt(model, promptTokens));
        next = inference.AppendGreedy([next]); // records the step graph outside the capture
        model.Context.BeginCapture(path);
        try
        {
            inference.AppendGreedy([next]);
        }
        finally
        {
            model.Context.EndCapture();
        }
    }

    private static int[] Prompt(LanguageModel model, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (int)((i * 7919L + 11) % model.Config.VocabularySize))];
}
