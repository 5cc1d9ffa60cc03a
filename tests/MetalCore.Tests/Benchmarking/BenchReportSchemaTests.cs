using System.Text.Json;
using MetalCore.Benchmarking;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tuning;

namespace MetalCore.Tests.Benchmarking;

[TestFixture]
public class BenchReportSchemaTests
{
    private static JsonElement Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "docs", "bench-report.schema.json"))).RootElement;

    // A real benchmark of the small fixture model: two configurations alternated, as --vs does.
    private static BenchReport MeasuredReport(bool withComparison)
    {
        var path = Fixtures.Require("models/stories260K/stories260K.gguf");
        using var a = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Tuning = TuningTable.Empty });
        using var b = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Tuning = TuningTable.Empty, Tunables = new Dictionary<string, int> { ["spin_us"] = 0 } });
        var options = new DecodeBenchmarkOptions { PromptTokens = 4, GeneratedTokens = 4, Runs = 3, Warmups = 1 };
        using var runnerA = new DecodeRunner(a, options);
        using var runnerB = new DecodeRunner(b, options);
        var paired = PairedBenchmark.Run(runnerA, runnerB, options.Runs, options.Warmups);
        var bytes = DecodeBenchmark.BytesReadPerToken(a, options);
        List<BenchConfiguration> configurations = [BenchConfiguration.From("A", a, "-m x", DecodeBenchmarkResult.Of(paired.A, bytes), 1e10)];
        if (withComparison)
        {
            configurations.Add(BenchConfiguration.From("B", b, "-m x --tunable spin_us=0", DecodeBenchmarkResult.Of(paired.B, bytes), null));
        }
        return new BenchReport
        {
            StartedUtc = DateTime.UtcNow,
            Settings = new BenchSettings(options.PromptTokens, options.GeneratedTokens, options.Depth, options.Runs, options.Warmups, 0),
            MeasuredBandwidthBytesPerSecond = withComparison ? 1e10 : null,
            Configurations = configurations,
            Comparison = withComparison ? BenchComparison.From("vs", "A", "B", paired) : null,
            BackendChoice = withComparison
                ? new BackendChoice(ComputeBackend.Cpu, "cpu measured faster", [new BackendMeasurement(ComputeBackend.Cpu, "cpu0", 50), new BackendMeasurement(ComputeBackend.Cuda, "gpu0", 40)], true)
                : null,
        };
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TheReportFollowsTheDocumentedSchema(bool withComparison)
    {
        var json = MeasuredReport(withComparison).ToJson();
        var errors = JsonSchemaCheck.Errors(Schema(), JsonDocument.Parse(json).RootElement);
        Assert.That(errors, Is.Empty, json);
    }

    [Test]
    public void TheJsonHoldsTheRunsAndTheirStatistics()
    {
        var report = MeasuredReport(withComparison: true);
        var root = JsonDocument.Parse(report.ToJson()).RootElement;
        var a = root.GetProperty("configurations")[0];
        var decodes = a.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("decode_tokens_per_second").GetDouble()).ToArray();
        Assert.That(decodes, Has.Length.EqualTo(3));
        Assert.That(a.GetProperty("decode").GetProperty("trimmed_mean").GetDouble(), Is.EqualTo(decodes.Average()).Within(1e-9), "3 runs: nothing trimmed");
        Assert.That(a.GetProperty("decode").GetProperty("median").GetDouble(), Is.EqualTo(decodes.Order().ElementAt(1)));
        var perToken = a.GetProperty("per_token");
        Assert.That(perToken.GetProperty("bandwidth_fraction").GetDouble(),
            Is.EqualTo(perToken.GetProperty("bandwidth_bytes_per_second").GetDouble() / 1e10).Within(1e-12));
        Assert.That(perToken.GetProperty("dispatches").GetDouble(), Is.GreaterThan(0), "the CPU backend counts its op executions");
        var b = root.GetProperty("configurations")[1];
        Assert.That(b.GetProperty("tunables").GetProperty("spin_us").GetInt32(), Is.Zero);
        Assert.That(b.GetProperty("per_token").GetProperty("bandwidth_fraction").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var ratios = root.GetProperty("comparison").GetProperty("decode_ratios").EnumerateArray().Select(r => r.GetDouble()).ToArray();
        var decodesB = b.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("decode_tokens_per_second").GetDouble()).ToArray();
        Assert.That(ratios, Is.EqualTo(decodesB.Zip(decodes, (y, x) => y / x)).Within(1e-12));
    }

    [Test]
    public void TheCheckerRejectsAReportMissingAField()
    {
        var json = MeasuredReport(withComparison: false).ToJson().Replace("\"spread_percent\"", "\"spread\"");
        var errors = JsonSchemaCheck.Errors(Schema(), JsonDocument.Parse(json).RootElement);
        Assert.That(errors, Has.Some.Contains("required property 'spread_percent' is missing"));
        Assert.That(errors, Has.Some.Contains("property 'spread' is not in the schema"));
    }
}
