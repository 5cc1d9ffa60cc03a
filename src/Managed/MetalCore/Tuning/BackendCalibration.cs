using System.Globalization;
using MetalCore.Runtime;

namespace MetalCore.Tuning;

/// <summary>Measures backends for <see cref="BackendCalibration"/> (a fake one in tests).</summary>
internal interface IBackendMeasurer
{
    /// <summary>The backend's device name (cheap: it keys the cache).</summary>
    string DeviceName(ComputeBackend backend);

    /// <summary>Decode speed of the model on the backend over a few steps (the calibration).</summary>
    double DecodeTokensPerSecond(ComputeBackend backend);
}

/// <summary>The backend <c>--backend auto</c> chose, and why.</summary>
internal sealed record BackendChoice(ComputeBackend Backend, string Reason, IReadOnlyList<BackendMeasurement> Measurements, bool FromCache);

/// <summary>
/// Chooses the backend for a model on this machine by measuring (seed 003: a GPU path can be
/// slower than the CPU): every available backend decodes a few tokens, the fastest wins, and a
/// GPU wins only when it measured strictly faster than the CPU. Results are cached per model
/// shape and set of devices.
/// </summary>
internal sealed class BackendCalibration(IReadOnlyList<ComputeBackend> available, IBackendMeasurer measurer, CalibrationCache cache)
{
    /// <summary>The backends this native library can run here (the CPU always).</summary>
    public static IReadOnlyList<ComputeBackend> AvailableBackends() =>
        [.. new[] { ComputeBackend.Cpu, ComputeBackend.Metal, ComputeBackend.Cuda }.Where(ComputeContext.IsAvailable)];

    /// <summary>Chooses for the model shape <paramref name="shapeKey"/>.</summary>
    public BackendChoice Choose(string shapeKey)
    {
        if (available.Count == 0)
        {
            throw new ArgumentException("No backend is available to choose from.", nameof(available));
        }
        if (available.Count == 1)
        {
            return new(available[0], $"{Name(available[0])} is the only backend available here", [], FromCache: false);
        }
        var devices = available.Select(b => $"{Name(b)}={measurer.DeviceName(b)}").Order(StringComparer.Ordinal);
        var key = $"{shapeKey} | {string.Join(" | ", devices)}";
        var cached = cache.TryGet(key);
        var measurements = cached ?? [.. available.Select(b => new BackendMeasurement(b, measurer.DeviceName(b), measurer.DecodeTokensPerSecond(b)))];
        if (cached is null)
        {
            cache.Put(key, measurements);
        }
        var (backend, reason) = Decide(measurements);
        return new(backend, reason + (cached is null ? " (calibrated now)" : $" (calibration cached in {cache.FilePath})"), measurements, cached is not null);
    }

    // The fastest GPU only when it beats the CPU; otherwise the CPU.
    private static (ComputeBackend, string) Decide(IReadOnlyList<BackendMeasurement> measurements)
    {
        var cpu = measurements.FirstOrDefault(m => m.Backend == ComputeBackend.Cpu);
        var gpu = measurements.Where(m => m.Backend != ComputeBackend.Cpu).MaxBy(m => m.DecodeTokensPerSecond);
        if (cpu is null || gpu is null)
        {
            var only = (cpu ?? gpu)!;
            return (only.Backend, $"{Name(only.Backend)} measured {Rate(only)}");
        }
        return gpu.DecodeTokensPerSecond > cpu.DecodeTokensPerSecond
            ? (gpu.Backend, $"{Name(gpu.Backend)} measured {Rate(gpu)} vs cpu {Rate(cpu)} ({gpu.DecodeTokensPerSecond / cpu.DecodeTokensPerSecond:F2}x)")
            : (ComputeBackend.Cpu, $"cpu measured {Rate(cpu)}, {Name(gpu.Backend)} only {Rate(gpu)}: a GPU path slower than the CPU is never chosen");
    }

    private static string Rate(BackendMeasurement m) => string.Create(CultureInfo.InvariantCulture, $"{m.DecodeTokensPerSecond:F1} tok/s");

    private static string Name(ComputeBackend backend) => TuningTable.BackendName(backend);
}
