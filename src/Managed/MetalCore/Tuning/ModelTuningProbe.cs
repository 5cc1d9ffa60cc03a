using System.Diagnostics;
using MetalCore.Benchmarking;
using MetalCore.Models;

namespace MetalCore.Tuning;

/// <summary>
/// Autotune's measurements on real models of one shape, never more than two at once: a
/// profiled one for the isolated sweeps; for the full benchmark one for the baseline (the
/// values adopted so far) and one for the trials (baseline + a candidate). A backend has no way
/// to unset a tunable, so a model is loaded anew when it holds a value the next request lacks.
/// </summary>
internal sealed class ModelTuningProbe : ITuningProbe, IDisposable
{
    private readonly Func<bool, LanguageModel> _load;
    private readonly DecodeBenchmarkOptions _bench;
    private readonly int _isolatedSteps;
    private LanguageModel? _profiled;
    private Slot? _baseline, _trial;

    /// <summary>
    /// <paramref name="load"/> loads the model in its starting configuration (as models load:
    /// the tuning table applied, or not),
    /// with per-kernel profiling when its argument is true. <paramref name="bench"/> sets the
    /// prompt, depth and decoded tokens of each full run; <paramref name="isolatedSteps"/> the
    /// decode steps averaged per isolated measurement.
    /// </summary>
    public ModelTuningProbe(Func<bool, LanguageModel> load, DecodeBenchmarkOptions bench, int isolatedSteps = 4)
    {
        _load = load;
        _bench = bench;
        _isolatedSteps = isolatedSteps;
    }

    /// <inheritdoc/>
    public double IsolatedMicroseconds(TunableSpec spec, int value)
    {
        var model = _profiled ??= _load(true);
        model.SetTunable(spec.Name, value, "autotune");
        var prompt = Prompt(model, _bench.Depth + _bench.PromptTokens);
        using var session = model.CreateSession(new SessionOptions
        {
            ContextLength = prompt.Length + _isolatedSteps + 1,
            KvCacheType = _bench.Session.KvCacheType,
            BatchSize = _bench.Session.BatchSize,
        });
        var context = model.Context;
        int steps;
        var clock = new Stopwatch();
        if (spec.Phase == TunablePhase.Prompt)
        {
            context.ResetStats();
            clock.Start();
            session.AppendGreedy(prompt);
            steps = 1;
        }
        else
        {
            var next = session.AppendGreedy(prompt);
            next = session.AppendGreedy([next]); // records the step outside the measurement
            context.ResetStats();
            clock.Start();
            for (var i = 0; i < _isolatedSteps; i++)
            {
                next = session.AppendGreedy([next]);
            }
            steps = _isolatedSteps;
        }
        var wall = clock.Elapsed.TotalMicroseconds;
        if (spec.KernelFilter is null)
        {
            return wall / steps;
        }
        var kernels = context.Profile().Where(e => e.Kernel.Contains(spec.KernelFilter, StringComparison.Ordinal)).ToList();
        if (kernels.Count == 0)
        {
            throw new TuningException($"autotune: the {model.Backend} backend's profile has no kernel matching '{spec.KernelFilter}' for {spec.Name} "
                + $"(it has: {string.Join(", ", context.Profile().Select(e => e.Kernel))}).");
        }
        return kernels.Sum(e => e.TotalMicroseconds) / steps;
    }

    /// <inheritdoc/>
    public double Throughput(TunablePhase phase, IReadOnlyDictionary<string, int> values, bool baseline)
    {
        if (_profiled is not null)
        {
            _profiled.Dispose(); // the isolated sweeps are over: free its memory for the two benchmark models
            _profiled = null;
        }
        ref var slot = ref baseline ? ref _baseline : ref _trial;
        if (slot is null || !slot.CanServe(values))
        {
            slot?.Model.Dispose();
            slot = new Slot(_load(false), _bench);
        }
        var model = slot.Serve(values);
        using var runner = new DecodeRunner(model, _bench with { Runs = 1, Warmups = 0 });
        var run = runner.RunOnce();
        return phase == TunablePhase.Prompt ? run.PromptTokensPerSecond : run.DecodeTokensPerSecond;
    }

    private static int[] Prompt(LanguageModel model, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (int)((i * 7919L + 11) % model.Config.VocabularySize))];

    /// <summary>Releases the models.</summary>
    public void Dispose()
    {
        _profiled?.Dispose();
        _baseline?.Model.Dispose();
        _trial?.Model.Dispose();
    }

    // A model and the tunables set on it so far.
    private sealed class Slot
    {
        public Slot(LanguageModel model, DecodeBenchmarkOptions bench)
        {
            Model = model;
            using var warmup = new DecodeRunner(model, bench with { Runs = 1, Warmups = 0 });
            warmup.RunOnce(); // first-touch costs stay out of the measurements
        }

        public LanguageModel Model { get; }
        public Dictionary<string, int> Values { get; } = [];

        // It can take `values` without unsetting anything: every value it holds is requested.
        public bool CanServe(IReadOnlyDictionary<string, int> values) =>
            Values.All(v => values.ContainsKey(v.Key));

        public LanguageModel Serve(IReadOnlyDictionary<string, int> values)
        {
            foreach (var (name, value) in values)
            {
                if (!Values.TryGetValue(name, out var current) || current != value)
                {
                    Model.SetTunable(name, value, "autotune");
                    Values[name] = value;
                }
            }
            return Model;
        }
    }
}
