using MetalCore.Runtime;
using MetalCore.Tuning;

namespace MetalCore.Tests.Tuning;

[TestFixture]
public class BackendCalibrationTests
{
    // Speeds per backend, counting how often each is measured.
    private sealed class FakeMeasurer(Dictionary<ComputeBackend, double> speeds) : IBackendMeasurer
    {
        public readonly List<ComputeBackend> Measured = [];

        public string DeviceName(ComputeBackend backend) => $"fake {backend} device";

        public double DecodeTokensPerSecond(ComputeBackend backend)
        {
            Measured.Add(backend);
            return speeds[backend];
        }
    }

    private string _cachePath = "";

    [SetUp]
    public void NewCache() => _cachePath = Path.Combine(Path.GetTempPath(), $"metalcore-calibration-{Guid.NewGuid():N}.json");

    [TearDown]
    public void DeleteCache() => File.Delete(_cachePath);

    private BackendChoice Choose(FakeMeasurer measurer, params ComputeBackend[] available) =>
        new BackendCalibration(available, measurer, new CalibrationCache(_cachePath)).Choose("llama h576 Q8_0");

    [Test]
    public void AFasterGpuIsChosen()
    {
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 40, [ComputeBackend.Cuda] = 800 });
        var choice = Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Cuda);
        Assert.That(choice.Backend, Is.EqualTo(ComputeBackend.Cuda));
        Assert.That(choice.Reason, Does.Contain("800.0 tok/s").And.Contain("40.0 tok/s").And.Contain("20.00x"));
        Assert.That(choice.FromCache, Is.False);
    }

    [Test]
    public void AGpuSlowerThanTheCpuIsNeverChosen()
    {
        // Seed 003: the Metal path measured 15 tok/s where the CPU gave 18.
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 17.87, [ComputeBackend.Metal] = 15.07 });
        var choice = Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Metal);
        Assert.That(choice.Backend, Is.EqualTo(ComputeBackend.Cpu));
        Assert.That(choice.Reason, Does.Contain("never chosen").And.Contain("15.1 tok/s"));
    }

    [Test]
    public void ATieGoesToTheCpu()
    {
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 50, [ComputeBackend.Cuda] = 50 });
        Assert.That(Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Cuda).Backend, Is.EqualTo(ComputeBackend.Cpu));
    }

    [Test]
    public void TheFastestOfSeveralGpusWinsWhenItBeatsTheCpu()
    {
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 50, [ComputeBackend.Metal] = 60, [ComputeBackend.Cuda] = 90 });
        Assert.That(Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Metal, ComputeBackend.Cuda).Backend, Is.EqualTo(ComputeBackend.Cuda));
    }

    [Test]
    public void TheCalibrationIsCachedPerShapeAndDevices()
    {
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 40, [ComputeBackend.Cuda] = 800 });
        Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Cuda);
        Assert.That(measurer.Measured, Has.Count.EqualTo(2));

        var again = Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Cuda);
        Assert.That(again.FromCache, Is.True);
        Assert.That(again.Backend, Is.EqualTo(ComputeBackend.Cuda));
        Assert.That(measurer.Measured, Has.Count.EqualTo(2), "a cached calibration measures nothing");

        var otherShape = new BackendCalibration([ComputeBackend.Cpu, ComputeBackend.Cuda], measurer, new CalibrationCache(_cachePath)).Choose("qwen3 h1024 Q4_0");
        Assert.That(otherShape.FromCache, Is.False);
        Assert.That(measurer.Measured, Has.Count.EqualTo(4), "another model shape is calibrated anew");
    }

    [Test]
    public void ADamagedCacheIsMeasuredAgain()
    {
        File.WriteAllText(_cachePath, "{ not json");
        var measurer = new FakeMeasurer(new() { [ComputeBackend.Cpu] = 40, [ComputeBackend.Cuda] = 800 });
        Assert.That(Choose(measurer, ComputeBackend.Cpu, ComputeBackend.Cuda).Backend, Is.EqualTo(ComputeBackend.Cuda));
        Assert.That(measurer.Measured, Has.Count.EqualTo(2));
    }

    [Test]
    public void TheOnlyBackendNeedsNoCalibration()
    {
        var measurer = new FakeMeasurer([]);
        var choice = Choose(measurer, ComputeBackend.Cpu);
        Assert.That(choice.Backend, Is.EqualTo(ComputeBackend.Cpu));
        Assert.That(choice.Reason, Does.Contain("only backend"));
        Assert.That(measurer.Measured, Is.Empty);
        Assert.That(File.Exists(_cachePath), Is.False);
    }
}
