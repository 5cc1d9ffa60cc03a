using MetalCore.Benchmarking;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tuning;

namespace MetalCore.Tests.Tuning;

[TestFixture]
public class ModelTuningProbeTests
{
    private static ModelTuningProbe Probe(List<bool> loads)
    {
        var path = Fixtures.Require("models/stories260K/stories260K.gguf");
        return new ModelTuningProbe(profile =>
        {
            loads.Add(profile);
            return LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ProfileOps = profile, Tuning = TuningTable.Empty });
        }, new DecodeBenchmarkOptions { PromptTokens = 8, GeneratedTokens = 4, Depth = 8 });
    }

    [Test]
    public void EveryCpuTunableIsMeasuredThroughKernelsTheCpuProfileHas()
    {
        var loads = new List<bool>();
        using var probe = Probe(loads);
        foreach (var spec in TunableCatalog.For(ComputeBackend.Cpu))
        {
            // Throws, listing the profile's kernels, when the spec's filter matches none of them.
            Assert.That(probe.IsolatedMicroseconds(spec, spec.Candidates[0]), Is.GreaterThan(0), spec.Name);
        }
        Assert.That(loads, Is.EqualTo(new[] { true }), "one profiled model serves every isolated measurement");
    }

    [Test]
    public void ATrialModelIsLoadedAnewOnlyWhenItHoldsAValueTheRequestLacks()
    {
        var loads = new List<bool>();
        using var probe = Probe(loads);
        var none = new Dictionary<string, int>();
        probe.Throughput(TunablePhase.Decode, none, baseline: true);
        probe.Throughput(TunablePhase.Decode, new Dictionary<string, int> { ["spin_us"] = 0 }, baseline: false);
        probe.Throughput(TunablePhase.Decode, new Dictionary<string, int> { ["spin_us"] = 20 }, baseline: false);
        probe.Throughput(TunablePhase.Decode, none, baseline: true);
        Assert.That(loads, Has.Count.EqualTo(2), "baseline and trial, each loaded once: switching spin_us needs no reload");

        // The next tunable's trials lack spin_us (not adopted): the trial model must be fresh.
        probe.Throughput(TunablePhase.Prompt, new Dictionary<string, int> { ["attention_block"] = 32 }, baseline: false);
        Assert.That(loads, Has.Count.EqualTo(3));
        Assert.That(loads, Has.All.False, "full runs use unprofiled models");
    }
}
