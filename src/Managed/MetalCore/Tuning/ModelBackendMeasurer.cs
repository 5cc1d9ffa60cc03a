using System.Diagnostics;
using MetalCore.Runtime;

namespace MetalCore.Tuning;

/// <summary>
/// The real calibration of <c>--backend auto</c>: loads the model on a backend and times a few
/// decode steps after a short prompt and two warm-up steps.
/// </summary>
/// <param name="load">Loads the model on a backend.</param>
/// <param name="steps">Decode steps timed.</param>
internal sealed class ModelBackendMeasurer(Func<ComputeBackend, LanguageModel> load, int steps = 16) : IBackendMeasurer
{
    /// <inheritdoc/>
    public string DeviceName(ComputeBackend backend)
    {
        using var context = ComputeContext.Create(backend);
        return context.DeviceName;
    }

    /// <inheritdoc/>
    public double DecodeTokensPerSecond(ComputeBackend backend)
    {
        using var model = load(backend);
        using var session = model.CreateSession(new Models.SessionOptions { ContextLength = steps + 16 });
        var next = session.AppendGreedy([.. Enumerable.Range(1, 8)]);
        next = session.AppendGreedy([next]);
        next = session.AppendGreedy([next]);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            next = session.AppendGreedy([next]);
        }
        return steps / clock.Elapsed.TotalSeconds;
    }
}
