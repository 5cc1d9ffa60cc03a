using MetalCore.ModelFiles;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary><see cref="TokenizerFactory.FromModel"/>: a GGUF file or a Hugging Face directory, by what the path is.</summary>
[TestFixture]
public class TokenizerFactoryTests
{
    [Test]
    public void AFilePathIsReadAsGguf()
    {
        var tokenizer = TokenizerFactory.FromModel(Fixtures.Require("tokenizers/ggml-vocab-gpt-2.gguf"));

        Assert.That(tokenizer.Encode("Hello world"), Is.EqualTo(new[] { 15496, 995 })); // the fixtures README's example
    }

    [Test]
    public void ADirectoryIsReadAsAHuggingFaceModel()
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer.json", """
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
             "decoder": {"type": "ByteLevel"}}
            """);

        Assert.That(TokenizerFactory.FromModel(folder.Path).Encode("ab"), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void AMissingPathIsAClearError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "metalcore-no-such-model");

        var error = Assert.Throws<ModelFileException>(() => TokenizerFactory.FromModel(missing));

        Assert.That(error!.Message, Is.EqualTo($"{missing}: no such file or directory"));
    }
}
