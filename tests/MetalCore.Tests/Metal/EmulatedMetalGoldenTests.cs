using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Metal;

/// <summary>
/// The stories260K golden through the Metal backend on Linux: the CLI with <c>--backend metal</c>
/// on libmetal_core_emulated.so, where the real Objective-C host code (device, zero-copy weight
/// views, pipelines with function constants, the encode thread, graphs encoded ahead, the
/// concurrent encoder and its barriers) drives the real .metal kernels on the kernel emulator.
/// The whole published sequence (256 tokens) runs through it: about 40 s for the decode and
/// 30 s for the prompt logits here, the emulator running every GPU thread as a fiber.
/// </summary>
[TestFixture]
public class EmulatedMetalGoldenTests
{
    private static string ModelPath => Stories260K.ModelPath;

    private static string[] Generate(int tokens) =>
        ["run", "--model", ModelPath, "--backend", "metal", "--max-tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    [Test]
    public void GreedyDecodeMatchesLlama2c()
    {
        // BOS alone is the prompt (an empty prompt); every token comes from the recorded decode
        // step, replayed with the argmax read back from the GPU.
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();

        var run = EmulatedMetal.RunCli(Generate(expected.Length));

        Assert.That(run.Error, Does.Contain("[Metal: Metal emulator"), "the Metal backend ran, on the emulated device");
        Assert.That(run.Output, Is.EqualTo(Stories260K.PublishedText(model, expected, 0, expected.Length) + Environment.NewLine));
    }

    [Test]
    public void PromptLogitsMatchTheCpuBackend()
    {
        // BOS and the published tokens as one prompt: the batched path (simdgroup-matrix GEMM,
        // attention over many positions) instead of the decode step.
        var expected = Stories260K.ExpectedGreedyIds();
        int[] prompt = [Stories260K.Bos, .. expected[..^1]];
        var output = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"metal-logits-{Guid.NewGuid():N}.npy");

        EmulatedMetal.RunCli(["logits", "--model", ModelPath, "--backend", "metal", "--tokens", string.Join(' ', prompt), "--out", output]);
        var (metal, rows, vocabulary) = NpyFile.ReadFloat32Matrix(output);
        File.Delete(output);

        using var model = Stories260K.Load();
        using var session = model.CreateSession(new SessionOptions { ContextLength = 256, KvCacheType = GgmlType.F32 });
        var cpu = new float[prompt.Length * session.VocabularySize];
        session.AppendAll(prompt, cpu);
        Assert.That((rows, vocabulary), Is.EqualTo((prompt.Length, session.VocabularySize)));
        // Both sum in float32 in different orders over five layers: logits of magnitude ~20 agree
        // to ~2e-5; 1e-3 leaves room without hiding a wrong kernel (those differ by whole units).
        Assert.That(metal, Is.EqualTo(cpu).Within(1e-3f));
        var argmax = Enumerable.Range(0, rows).Select(row => ArgMax(metal.AsSpan(row * vocabulary, vocabulary)));
        Assert.That(argmax, Is.EqualTo(expected), "each position's most likely next token is llama2.c's");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }
        return best;
    }

    [Test]
    public void WeightsLongerThanMaxBufferLengthRunAsOverlappingViews()
    {
        // A 256 KiB device limit splits the 1.2 MB weight file into views that overlap by half,
        // each tensor read through the one view that holds it whole.
        var expected = Stories260K.ExpectedGreedyIds();
        using var model = Stories260K.Load();
        Assert.That(new FileInfo(ModelPath).Length, Is.GreaterThan(2 * 262144), "the file needs several views");

        var run = EmulatedMetal.RunCli(Generate(8), new Dictionary<string, string> { ["MTLSHIM_MAX_BUFFER_LENGTH"] = "262144" });

        Assert.That(run.Output, Is.EqualTo(Stories260K.PublishedText(model, expected, 0, 8) + Environment.NewLine));
    }

    [Test]
    public void CapturingTheFirstStepRecordsOneDecodeStep()
    {
        // MC_METAL_CAPTURE_PATH captures the first graph launch through MTLCaptureManager; the
        // emulator's trace lists the dispatches it held.
        var trace = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"step-{Guid.NewGuid():N}.gputrace");
        using var model = Stories260K.Load();

        EmulatedMetal.RunCli(Generate(2), new Dictionary<string, string>
        {
            ["MTL_CAPTURE_ENABLED"] = "1",
            ["MC_METAL_CAPTURE_PATH"] = trace,
        });
        var kernels = File.ReadAllLines(Path.Combine(trace, "dispatches.txt"));
        Directory.Delete(trace, recursive: true);

        // One token through the model: one embedding lookup and one argmax, and per layer one
        // fused Q/K/V projection, one KV append and one fused gate/up.
        var layers = model.Config.Layers;
        Assert.That(kernels.Count(k => k == "mc_embedding"), Is.EqualTo(1));
        Assert.That(kernels.Count(k => k == "mc_argmax"), Is.EqualTo(1));
        Assert.That(kernels.Count(k => k == "mc_matvec_qkv"), Is.EqualTo(layers));
        Assert.That(kernels.Count(k => k == "mc_kv_append"), Is.EqualTo(layers));
        Assert.That(kernels.Count(k => k == "mc_matvec_gate_up"), Is.EqualTo(layers));
    }
}
