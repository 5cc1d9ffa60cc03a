using MetalCore.Tuning;

namespace MetalCore.Tests.Benchmarking;

[TestFixture]
public class AutotunerTests
{
    // A device whose speeds are a known function of the tunables, with ±1% deterministic noise
    // (a sine of the call count, so it differs from round to round).
    private sealed class FakeProbe : ITuningProbe
    {
        public readonly List<(IReadOnlyDictionary<string, int> Values, bool Baseline)> FullRuns = [];
        public readonly Dictionary<string, int> IsolatedState = [];
        private int _calls;

        public double IsolatedMicroseconds(TunableSpec spec, int value)
        {
            IsolatedState[spec.Name] = value;
            // "rows": fastest at 32 then 64 in isolation; "block": fastest at 16 then 8.
            return spec.Name == "rows" ? Math.Abs(Math.Log2(value) - 5.2) * 10 + 50 : Math.Abs(value - 16) + 100;
        }

        public double Throughput(TunablePhase phase, IReadOnlyDictionary<string, int> values, bool baseline)
        {
            FullRuns.Add((new Dictionary<string, int>(values), baseline));
            var noise = 1 + 0.01 * Math.Sin(_calls++ * 2.3);
            // rows=32 is 10% faster in the full run, rows=64 3%; block makes no difference at all.
            var speed = values.GetValueOrDefault("rows") switch { 32 => 110.0, 64 => 103.0, _ => 100.0 };
            return speed * noise;
        }
    }

    private static readonly TunableSpec Rows = new("rows", [8, 16, 32, 64, 128], TunablePhase.Decode, "matmul", "");
    private static readonly TunableSpec Block = new("block", [8, 16, 64], TunablePhase.Decode, "attention", "");

    [Test]
    public void AdoptsOnlyAClearFullRunWinnerAmongTheBestIsolatedCandidates()
    {
        var probe = new FakeProbe();
        var result = Autotuner.Run([Rows, Block], probe, new AutotuneOptions { IsolatedRepetitions = 3, TopCandidates = 2, ConfirmRounds = 4 });

        Assert.That(result.Tunables[0].Candidates.Select(c => c.Value).Take(2), Is.EqualTo(new[] { 32, 64 }), "ranked by isolated time");
        Assert.That(result.Tunables[0].Adopted, Is.EqualTo(32));
        Assert.That(result.Tunables[0].Candidates[0].RatioToBaseline!.TrimmedMean, Is.EqualTo(1.10).Within(0.02));
        Assert.That(result.Tunables[0].Candidates[2].RatioToBaseline, Is.Null, "only finalists run the full benchmark");
        Assert.That(result.Tunables[1].Adopted, Is.Null, "block changes nothing: its finalists stay within noise");
        Assert.That(result.Adopted, Is.EqualTo(new Dictionary<string, int> { ["rows"] = 32 }));
        Assert.That(result.DecodeRatio!.TrimmedMean, Is.EqualTo(1.10).Within(0.02));
        Assert.That(result.PromptRatio, Is.Null, "no prompt tunable was adopted");
        Assert.That(probe.IsolatedState, Is.EqualTo(new Dictionary<string, int> { ["rows"] = 32, ["block"] = 16 }),
            "each isolated sweep leaves its best value set for the next");
    }

    [Test]
    public void BaselineAndTrialsAlternateAndTheBaselineCarriesAdoptedValues()
    {
        var probe = new FakeProbe();
        Autotuner.Run([Rows, Block], probe, new AutotuneOptions { IsolatedRepetitions = 1, TopCandidates = 2, ConfirmRounds = 2 });

        // rows: 2 rounds of (baseline {}, rows=32, rows=64); block: 2 rounds of ({rows=32}, +block=16, +block=8); final: 2 × ({}, {rows=32}).
        var runs = probe.FullRuns;
        Assert.That(runs, Has.Count.EqualTo(6 + 6 + 4));
        Assert.That(runs.Select(r => r.Baseline), Is.EqualTo(new[] { true, false, false, true, false, false, true, false, false, true, false, false, true, false, true, false }));
        Assert.That(runs[0].Values, Is.Empty);
        Assert.That(runs[1].Values, Is.EqualTo(new Dictionary<string, int> { ["rows"] = 32 }));
        Assert.That(runs[6].Values, Is.EqualTo(new Dictionary<string, int> { ["rows"] = 32 }));
        Assert.That(runs[7].Values, Is.EqualTo(new Dictionary<string, int> { ["rows"] = 32, ["block"] = 16 }));
        Assert.That(runs[12].Values, Is.Empty, "the final check compares with the defaults");
    }

    [Test]
    public void UnknownTunableNamesListTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => TunableCatalog.Select(Runtime.ComputeBackend.Cpu, ["matvec_rows"]));
        Assert.That(error!.Message, Does.Contain("matvec_rows_per_task").And.Contain("'matvec_rows'"));
    }
}
