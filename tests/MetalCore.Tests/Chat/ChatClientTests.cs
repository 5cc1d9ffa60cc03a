using MetalCore.Chat;
using MetalCore.Chat.Templates;
using MetalCore.ModelFiles;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;
using Microsoft.Extensions.AI;

namespace MetalCore.Tests.Chat;

/// <summary>The client's template, end of turn, metadata and its clear errors.</summary>
[TestFixture]
public class ChatClientTests : ChatClientFixture
{
    private const string RoleTemplate =
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";

    [Test]
    public void AModelWithoutATemplateNeedsOne()
    {
        Assert.That(Model.ChatTemplateSource, Is.Null);

        var e = Assert.Throws<ArgumentException>(() => new MetalCoreChatClient(Model));

        Assert.That(e!.Message, Does.Contain("no chat template").And.Contain("MetalCoreChatClientOptions.ChatTemplate"));
    }

    [Test]
    public void ASyntheticModelCannotChat()
    {
        using var model = LanguageModel.CreateSynthetic("SmolLM2-135M", GgmlType.Q8_0, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 8 });

        var e = Assert.Throws<ArgumentException>(() => new MetalCoreChatClient(model, new() { ChatTemplate = ConcatenatingTemplate }));

        Assert.That(e!.Message, Does.Contain("no tokenizer"));
    }

    [Test]
    public void AnInvalidTemplateFailsWhenTheClientIsCreated()
    {
        Assert.Throws<ChatTemplateException>(() => new MetalCoreChatClient(Model, new() { ChatTemplate = "{% for m in messages %}" }));
    }

    [Test]
    public async Task TheModelsOwnTemplateIsUsedWithItsBosToken()
    {
        using var folder = new TempFolder();
        var path = folder.File("chat.gguf");
        GgufMetadataEditor.Add(Stories260K.ModelPath, path, (ModelChatTemplate.GgufKey, RoleTemplate));
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 128 });
        using var client = new MetalCoreChatClient(model, new() { Defaults = new() { MaxTokens = 4 } });
        List<ChatMessage> conversation = [new(ChatRole.System, "Tell stories."), new(ChatRole.User, "A dog")];

        var response = await client.GetResponseAsync(conversation);

        // The template writes "<s>" (BOS's text), which becomes the BOS token: no second BOS is added.
        var expected = model.Tokenizer!.Encode("<s>[system] Tell stories.\n[user] A dog\n[assistant]", parseSpecial: true);
        Assert.That(expected[0], Is.EqualTo(Stories260K.Bos));
        Assert.That(expected.Count(t => t == Stories260K.Bos), Is.EqualTo(1));
        Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(expected.Length));
        Assert.That(response.Text, Is.EqualTo(ReferenceGeneration.Text(model, ReferenceGeneration.Tokens(model, expected, 4, new()))));
        Assert.That(client.ChatTemplate.Source, Is.EqualTo(RoleTemplate));
    }

    [Test]
    public async Task AnEndOfTurnTokenEndsTheReplyWithFinishReasonStop()
    {
        // Make "." the model's end-of-turn token, as a chat model's <|im_end|> is.
        var period = Model.Tokenizer!.Encode(".").Single(t => Model.Tokenizer.GetTokenText(t) == ".");
        using var folder = new TempFolder();
        var path = folder.File("eot.gguf");
        GgufMetadataEditor.Add(Stories260K.ModelPath, path, ("tokenizer.ggml.eot_token_id", (uint)period));
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 128 });
        using var client = new MetalCoreChatClient(model, new() { ChatTemplate = ConcatenatingTemplate });
        var story = Story("Once upon a time");
        var greedy = ReferenceGeneration.Tokens(Model, PromptTokens(story), 100, new());
        var end = greedy.IndexOf(period);
        Assume.That(end, Is.GreaterThan(0), "the greedy story has a period");

        var response = await client.GetResponseAsync(story);

        Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(end + 1), "the end-of-turn token counts as output");
        Assert.That(response.Text, Is.EqualTo(ReferenceGeneration.Text(Model, greedy.Take(end))));
    }

    [Test]
    public async Task TemplateVariablesComeFromOptionsAndRequests()
    {
        const string template = "{{ opening }}{% for m in messages %}{{ m.content }}{% endfor %}";
        using var client = Client(new() { ChatTemplate = template, TemplateVariables = new Dictionary<string, object?> { ["opening"] = "Once upon a time, " } });

        var fromOptions = await client.GetResponseAsync(Story("a cat"), new ChatOptions { MaxOutputTokens = 3 });
        var fromRequest = await client.GetResponseAsync(Story("a cat"), new ChatOptions
        {
            MaxOutputTokens = 3,
            AdditionalProperties = new() { ["chat_template_kwargs"] = new Dictionary<string, object?> { ["opening"] = "One day, " } },
        });

        Assert.That(fromOptions.Usage!.InputTokenCount, Is.EqualTo(PromptTokens(Story("Once upon a time, a cat")).Length));
        Assert.That(fromRequest.Usage!.InputTokenCount, Is.EqualTo(PromptTokens(Story("One day, a cat")).Length));
    }

    [Test]
    public void RequestsThatCannotBeHonouredAreRefusedClearly()
    {
        using var client = Client();
        var tool = AIFunctionFactory.Create(() => 42, "answer");

        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { Tools = [tool] }),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("Tools"));
        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { ResponseFormat = ChatResponseFormat.Json }),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("JSON"));
        List<ChatMessage> withImage = [new(ChatRole.User, [new TextContent("what is this?"), new DataContent(new byte[] { 1, 2 }, "image/png")])];
        Assert.That(() => client.GetResponseAsync(withImage),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("DataContent").And.Message.Contains("Message 0"));
        Assert.That(() => client.GetResponseAsync([]), Throws.ArgumentException.With.Message.Contains("no messages"));
    }

    [Test]
    public void OutOfRangeOptionsAreNamed()
    {
        using var client = Client();

        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { TopP = 1.5f }),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("TopP"));
        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 0 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxOutputTokens"));
        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { AdditionalProperties = new() { ["min_p"] = "lots" } }),
            Throws.ArgumentException.With.Message.Contains("min_p").And.Message.Contains("lots"));
        Assert.That(() => client.GetResponseAsync(Story(), new ChatOptions { AdditionalProperties = new() { ["repeat_last_n"] = 2.5 } }),
            Throws.ArgumentException.With.Message.Contains("repeat_last_n"));
    }

    [Test]
    public void GetServiceGivesMetadataTheModelAndTheTemplate()
    {
        using var client = Client();

        var metadata = client.GetService<ChatClientMetadata>()!;

        Assert.That(metadata.ProviderName, Is.EqualTo("metalcore"));
        Assert.That(metadata.DefaultModelId, Is.EqualTo(Model.Name));
        Assert.That(metadata.ProviderUri!.LocalPath, Is.EqualTo(Path.GetFullPath(Stories260K.ModelPath)));
        Assert.That(client.GetService<LanguageModel>(), Is.SameAs(Model));
        Assert.That(client.GetService<ChatTemplate>(), Is.SameAs(client.ChatTemplate));
        Assert.That(client.GetService<IChatClient>(), Is.SameAs(client));
        Assert.That(client.GetService<ChatClientMetadata>("some key"), Is.Null);
        Assert.That(client.GetService<string>(), Is.Null);
    }

    [Test]
    public async Task ADisposedClientRefusesRequestsAndLeavesTheModelUsable()
    {
        var client = Client();
        await client.GetResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 2 });

        client.Dispose();

        Assert.That(() => client.GetResponseAsync(Story()), Throws.InstanceOf<ObjectDisposedException>());
        using var another = Client();
        Assert.That(await ReplyAsync(another, Story()), Is.EqualTo(ReferenceText(Story(), new())));
    }
}
