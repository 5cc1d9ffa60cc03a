using MetalCore.Benchmarking;
using MetalCore.Cli.Benchmarking;

namespace MetalCore.Tests.Cli;

[TestFixture]
public class ChartTests
{
    private static BenchConfiguration Configuration(string label, double[] decode) => new()
    {
        Label = label,
        Model = "synthetic SmolLM2-135M Q8_0",
        ShapeKey = "llama h576 l30 a9/3x64 f1536 v49152 Q8_0",
        Backend = "cpu",
        Device = "CPU: test",
        Arguments = "--shape SmolLM2-135M",
        Tunables = new Dictionary<string, int>(),
        Runs = [.. decode.Select(d => new DecodeRun(d * 10, d))],
        Prompt = RunStatistics.Of([.. decode.Select(d => d * 10)]),
        Decode = RunStatistics.Of(decode),
        PerToken = new PerTokenFigures(304, 1.4e8, 1e4, 6, 2e9, 0.3),
    };

    [Test]
    public void TheBenchChartIsAPngWithOnePanelPerMeasure()
    {
        var a = Configuration("A", [50, 52, 49, 51]);
        var b = Configuration("B", [55, 57, 54, 56]);
        var paired = new PairedResult(a.Runs, b.Runs);
        var report = new BenchReport
        {
            StartedUtc = DateTime.UtcNow,
            Settings = new BenchSettings(16, 16, 0, 4, 1, 0),
            Configurations = [a, b],
            Comparison = BenchComparison.From("vs", "A", "B", paired),
        };
        var path = Path.Combine(Path.GetTempPath(), $"metalcore-chart-{Guid.NewGuid():N}.png");
        try
        {
            BenchChart.Save(path, report);
            var bytes = File.ReadAllBytes(path);
            Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }));
            // The IHDR chunk holds width and height (big-endian) at bytes 16..23: 1000 × 3 panels of 360.
            Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), Is.EqualTo(1000));
            Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), Is.EqualTo(3 * 360));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
