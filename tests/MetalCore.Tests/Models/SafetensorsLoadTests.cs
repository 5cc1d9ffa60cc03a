using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;

namespace MetalCore.Tests.Models;

/// <summary>
/// LanguageModel.Load on Hugging Face directories in the layouts the fixtures do not cover:
/// sharded weights (one device buffer per shard), half-precision weights (norms converted to F32),
/// the error when text is asked of a directory without a tokenizer, and tokenizer.json when it has one.
/// </summary>
public sealed class SafetensorsLoadTests
{
    private static float[] Logits(string directory, int[] tokens)
    {
        using var model = LanguageModel.Load(directory, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Threads = 2 });
        using var session = model.CreateSession(new SessionOptions { ContextLength = 64, KvCacheType = GgmlType.F32 });
        var logits = new float[tokens.Length * model.Config.VocabularySize];
        session.AppendAll(tokens, logits);
        return logits;
    }

    [TestCase("llama", "F32")]
    [TestCase("qwen3", "BF16")]
    [TestCase("llama", "F16")]
    public void ShardedWeightsComputeWhatOneFileComputes(string modelType, string dtype)
    {
        using var single = new TempFolder();
        using var sharded = new TempFolder();
        new TinyHfModel { ModelType = modelType, DType = dtype }.WriteTo(single.Path);
        new TinyHfModel { ModelType = modelType, DType = dtype, Sharded = true }.WriteTo(sharded.Path);
        int[] tokens = [1, 5, 9, 13, 40, 2, 7];

        var fromOne = Logits(single.Path, tokens);
        var fromShards = Logits(sharded.Path, tokens);

        Assert.That(fromOne.All(float.IsFinite), Is.True);
        Assert.That(fromShards, Is.EqualTo(fromOne));
    }

    [Test]
    public void TextWithoutATokenizerIsAClearError()
    {
        using var folder = new TempFolder();
        new TinyHfModel().WriteTo(folder.Path);
        using var model = LanguageModel.Load(folder.Path, new ModelLoadOptions { Backend = ComputeBackend.Cpu });
        Assert.That(model.Tokenizer, Is.Null);
        var error = Assert.Throws<MetalCoreException>(() => model.RequireTokenizer());
        Assert.That(error!.Message, Does.Contain(folder.Path).And.Contain("tokenizer.json"));
    }

    [Test]
    public void ADirectorysTokenizerJsonBecomesTheModelsTokenizer()
    {
        // The demo model's tokenizer files, with the prompt ids Hugging Face recorded for them.
        var demo = Path.Combine(Fixtures.RepositoryRoot, "tools", "demo-model", "out");
        using var folder = new TempFolder();
        new TinyHfModel().WriteTo(folder.Path);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(demo, name), Path.Combine(folder.Path, name));
        }
        using var record = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(demo, "reference.json")));
        var first = record.RootElement.GetProperty("greedy")[0];
        var expected = first.GetProperty("prompt_ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();

        using var model = LanguageModel.Load(folder.Path, new ModelLoadOptions { Backend = ComputeBackend.Cpu });

        Assert.That(model.RequireTokenizer().Encode(first.GetProperty("prompt").GetString()!, addSpecial: true), Is.EqualTo(expected));
    }
}
