namespace MetalCore.Tests.Models;

/// <summary>
/// The Hugging Face fixtures loaded straight from their safetensors directories (NeoX rope on
/// unpermuted q/k, F32 weights in place) against the logits and greedy continuation that
/// transformers recorded for them.
/// </summary>
[TestFixture]
public class HfSafetensorsReferenceTests
{
    /// <summary>The bound for float32 computation.</summary>
    private const float F32Tolerance = 1e-3f;

    [TestCaseSource(typeof(HfReferenceFixture), nameof(HfReferenceFixture.Names))]
    public void SafetensorsDirectoryMatchesTransformers(string name)
    {
        var fixture = HfReferenceFixture.Load(name);

        var run = HfReferenceRun.Measure(fixture.Directory, fixture);

        Assert.Multiple(() =>
        {
            Assert.That(run.MaxDeltaShort, Is.LessThanOrEqualTo(F32Tolerance), "logits_short");
            Assert.That(run.MaxDeltaLong, Is.LessThanOrEqualTo(F32Tolerance), "logits_long");
            Assert.That(run.Greedy, Is.EqualTo(fixture.Greedy), "greedy continuation");
        });
    }
}
