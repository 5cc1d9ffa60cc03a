using MetalCore.ModelFiles;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Models;

/// <summary>LanguageModel.Load's options and its errors for paths that hold no usable model.</summary>
[TestFixture]
public class LanguageModelLoadTests
{
    [Test]
    public void AMissingFileNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "metalcore-no-such-model.gguf");

        var e = Assert.Throws<ModelFileException>(() => LanguageModel.Load(path));

        Assert.That(e!.FilePath, Is.EqualTo(path));
        Assert.That(e.Message, Does.Contain("no such file"));
    }

    [TestCase(-1, 0, "ContextLength")]
    [TestCase(0, -2, "Threads")]
    public void OutOfRangeOptionsAreNamed(int contextLength, int threads, string name)
    {
        var options = new ModelLoadOptions { ContextLength = contextLength, Threads = threads };

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LanguageModel.Load("unused.gguf", options));

        Assert.That(e!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void AnUnsupportedKvCacheTypeIsNamed()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            LanguageModel.Load("unused.gguf", new ModelLoadOptions { KvCacheType = GgmlType.Q4_0 }));

        Assert.That(e!.ParamName, Is.EqualTo("KvCacheType"));
    }

    [Test]
    public void SessionsTakeTheContextLengthAndCacheTypeOfTheLoadOptions()
    {
        using var model = LanguageModel.Load(Stories260K.ModelPath, new ModelLoadOptions
        {
            Backend = ComputeBackend.Cpu,
            ContextLength = 100,
            KvCacheType = GgmlType.F32,
        });
        using var session = model.CreateSession();

        Assert.That(model.ContextLength, Is.EqualTo(100));
        Assert.That(session.ContextLength, Is.EqualTo(100));
        Assert.That(model.Backend, Is.EqualTo(ComputeBackend.Cpu));
        Assert.That(model.Name, Is.Not.Empty);
    }

    [Test]
    public void WithoutAContextLengthSessionsGetTheTrainedOneCappedAt4096()
    {
        using var model = LanguageModel.Load(Stories260K.ModelPath, new ModelLoadOptions { Backend = ComputeBackend.Cpu });

        Assert.That(model.ContextLength, Is.EqualTo(Math.Min(ModelLoadOptions.DefaultMaxContextLength, model.Config.TrainedContextLength)));
    }

    [Test]
    public void ASyntheticModelHasNoTokenizerSoNoTextGenerator()
    {
        using var model = LanguageModel.CreateSynthetic("SmolLM2-135M", GgmlType.Q8_0, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 16 });

        var e = Assert.Throws<MetalCoreException>(() => model.CreateGenerator());

        Assert.That(e!.Message, Does.Contain("no tokenizer").And.Contain("synthetic"));
    }
}
