using MetalCore.Cli;
using MetalCore.Cli.Commands;
using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Tests.Cli;

[TestFixture]
public class CliArgumentTests
{
    private static IReadOnlyList<string> Errors(params string[] args) =>
        CliApp.CreateRoot().Parse(args).Errors.Select(e => e.Message).ToList();

    [TestCase("run")]
    [TestCase("logits")]
    [TestCase("bench")]
    [TestCase("profile")]
    [TestCase("autotune")]
    [TestCase("perplexity")]
    public void EveryModelCommandTakesAShapeAndQuantInsteadOfAFile(string command)
    {
        string[] extra = command switch
        {
            "logits" => ["--tokens", "1 2", "--out", "x.npy"],
            "perplexity" => ["--file", "text.txt"],
            _ => [],
        };
        Assert.That(Errors([command, "--shape", "Qwen3-0.6B", "--quant", "Q4_0", .. extra]), Is.Empty);
        Assert.That(Errors([command, "-m", "model.gguf", .. extra]), Is.Empty);
        if (command == "run")
        {
            Assert.That(Errors([command]), Is.Empty, "run without a model uses the built-in demo model");
        }
        else
        {
            Assert.That(Errors([command, .. extra]), Has.Some.Contains("Give a model: --model FILE"));
        }
        Assert.That(Errors([command, "-m", "model.gguf", "--shape", "Qwen3-0.6B", .. extra]), Has.Some.Contains("not both"));
    }

    [TestCase(new[] { "bench", "--shape", "GPT-5" }, "unknown shape 'GPT-5'")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--quant", "Q4_K" }, "--quant: Q4_K is not a weight type synthetic models can have")]
    [TestCase(new[] { "bench", "-m", "x.gguf", "--quant", "Q4_0" }, "--quant applies to --shape models only")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--tunable", "spin_us" }, "--tunable 'spin_us': expected NAME=VALUE")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--tunable", "spin_us=fast" }, "expected NAME=VALUE with an integer VALUE")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--runs", "0" }, "--runs must be at least 1")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--gen", "0" }, "--prompt and --gen must be at least 1")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--load", "-1" }, "cannot be negative")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--kv-type", "Q8_0" }, "--kv-type Q8_0: the KV cache is F16, BF16 or F32")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--load", "2", "--vs", "--backend cpu" }, "--load and --vs cannot be combined")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--vs", "--turbo" }, "--vs '--turbo'")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--vs", "" }, "no settings to compare with")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--vs", "--quant Q4_K" }, "--vs '--quant Q4_K': --quant: Q4_K is not a weight type")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--chart", "out.jpg" }, "give a file name ending in .png")]
    [TestCase(new[] { "bench", "--shape", "Qwen3-4B", "--threads", "-2" }, "--threads must be 0")]
    [TestCase(new[] { "autotune", "--shape", "Qwen3-4B", "--rounds", "1" }, "--rounds must be at least 2")]
    [TestCase(new[] { "profile", "--shape", "Qwen3-4B", "--steps", "0" }, "--prompt and --steps must be at least 1")]
    public void BadArgumentsAreNamedWithWhatIsExpected(string[] args, string expected) =>
        Assert.That(Errors(args), Has.Some.Contains(expected));

    [Test]
    public void VsOverlaysOnlyTheSettingsItGives()
    {
        var baseline = new ModelSpec { ShapeName = "SmolLM2-135M", Quant = GgmlType.Q8_0, Backend = ComputeBackend.Cpu, Threads = 2, Tunables = new Dictionary<string, int> { ["spin_us"] = 200 } };

        var (other, kv) = VsSettings.Apply("--quant Q4_0 --tunable spin_us=0 --tunable attention_block=32 --kv-type BF16", baseline, GgmlType.F16);

        Assert.That(other with { Tunables = baseline.Tunables }, Is.EqualTo(baseline with { Quant = GgmlType.Q4_0 }));
        Assert.That(other.Tunables, Is.EqualTo(new Dictionary<string, int> { ["spin_us"] = 0, ["attention_block"] = 32 }));
        Assert.That(kv, Is.EqualTo(GgmlType.BF16));

        var (file, _) = VsSettings.Apply("-m other.gguf --backend cuda", baseline, GgmlType.F16);
        Assert.That(file.ModelPath, Is.EqualTo("other.gguf"));
        Assert.That(file.ShapeName, Is.Null, "a model file replaces the shape");
        Assert.That(file.Backend, Is.EqualTo(ComputeBackend.Cuda));
        Assert.That(file.Threads, Is.EqualTo(2), "settings --vs does not give stay as they were");
    }

    [Test]
    public void VsThatChangesNothingIsAnError()
    {
        var baseline = new ModelSpec { ShapeName = "SmolLM2-135M", Backend = ComputeBackend.Cpu, Tunables = new Dictionary<string, int> { ["spin_us"] = 0 } };
        var error = Assert.Throws<ArgumentException>(() => VsSettings.Apply("--backend cpu --tunable spin_us=0", baseline, GgmlType.F16));
        Assert.That(error!.Message, Does.Contain("nothing to compare"));
    }

    [Test]
    public void TheShapeKeyOfASyntheticModelNamesItsSizesAndType() =>
        Assert.That(new ModelSpec { ShapeName = "Qwen3-0.6B", Quant = GgmlType.Q4_0 }.ShapeKey, Is.EqualTo("qwen3 h1024 l28 a16/8x128 f3072 v151936 Q4_0"));
}
