using MetalCore.Chat;
using MetalCore.ModelFiles;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;

namespace MetalCore.Tests.Chat;

/// <summary>Where a model's chat template is found: GGUF metadata or a Hugging Face directory.</summary>
[TestFixture]
public class ModelChatTemplateTests
{
    private const string Template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}";

    [Test]
    public void AGgufModelWithoutATemplateHasNone()
    {
        using var model = Stories260K.Load();

        Assert.That(model.ChatTemplateSource, Is.Null);
    }

    [Test]
    public void AGgufModelsTemplateComesFromTokenizerChatTemplate()
    {
        using var folder = new TempFolder();
        var path = folder.File("with-template.gguf");
        GgufMetadataEditor.Add(Stories260K.ModelPath, path, (ModelChatTemplate.GgufKey, Template));

        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = Runtime.ComputeBackend.Cpu, ContextLength = 64 });

        Assert.That(model.ChatTemplateSource, Is.EqualTo(Template));
        // The copy is still the same model: the published greedy continuation of BOS.
        Assert.That(model.CreateSession().AppendGreedy([Stories260K.Bos]), Is.EqualTo(Stories260K.ExpectedGreedyIds()[0]));
    }

    [Test]
    public void TokenizerConfigTemplateCanBeAString()
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer_config.json", """{"bos_token": "<s>", "chat_template": "{{ messages[0].content }}"}""");

        Assert.That(ModelChatTemplate.FromDirectory(folder.Path), Is.EqualTo("{{ messages[0].content }}"));
    }

    [Test]
    public void TokenizerConfigTemplateListsGiveTheDefaultOne()
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer_config.json",
            """{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}""");

        Assert.That(ModelChatTemplate.FromDirectory(folder.Path), Is.EqualTo("D"));
    }

    [Test]
    public void ChatTemplateJinjaTakesPrecedenceOverTokenizerConfig()
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer_config.json", """{"chat_template": "old"}""");
        folder.Write("chat_template.jinja", "new");

        Assert.That(ModelChatTemplate.FromDirectory(folder.Path), Is.EqualTo("new"));
    }

    [Test]
    public void ADirectoryWithoutATemplateHasNone()
    {
        using var folder = new TempFolder();
        folder.Write("tokenizer_config.json", """{"bos_token": "<s>"}""");
        using var empty = new TempFolder();

        Assert.That(ModelChatTemplate.FromDirectory(folder.Path), Is.Null);
        Assert.That(ModelChatTemplate.FromDirectory(empty.Path), Is.Null);
    }

    [TestCase("""{"chat_template": 3}""", "chat_template is a JSON Number")]
    [TestCase("""{"chat_template": [{"name": "tool_use", "template": "T"}]}""", "none named \"default\"")]
    [TestCase("""{"chat_template": [{"name": "default"}]}""", "string \"name\" and \"template\"")]
    [TestCase("""{"chat_template": """, "not valid JSON")]
    public void AMalformedTokenizerConfigIsAClearError(string json, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("tokenizer_config.json", json);

        var e = Assert.Throws<ModelFileException>(() => ModelChatTemplate.FromDirectory(folder.Path));

        Assert.That(e!.FilePath, Is.EqualTo(path));
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void AHuggingFaceDirectorysTemplateComesFromItsTokenizerConfig()
    {
        using var folder = new TempFolder();
        var source = Path.Combine(Fixtures.RepositoryRoot, "tests", "MetalCore.Tests", "Fixtures", "hf", "llama-gqa");
        foreach (var file in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(source, file), folder.File(file));
        }
        folder.Write("tokenizer_config.json", $$"""{"chat_template": {{System.Text.Json.JsonSerializer.Serialize(Template)}}}""");

        using var model = LanguageModel.Load(folder.Path, new ModelLoadOptions { Backend = Runtime.ComputeBackend.Cpu, ContextLength = 16 });

        Assert.That(model.ChatTemplateSource, Is.EqualTo(Template));
        Assert.That(model.Name, Is.EqualTo(Path.GetFileName(folder.Path)));
        // Without tokenizer.json support the directory has no tokenizer, so it cannot chat yet.
        Assert.That(() => new MetalCoreChatClient(model), Throws.ArgumentException.With.Message.Contains("no tokenizer"));
    }
}
