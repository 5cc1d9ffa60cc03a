using System.Text.Json;
using System.Text.Json.Nodes;
using MetalCore.Chat.Templates;

namespace MetalCore.Tests.Chat;

/// <summary>The public surface: what the template sees from <see cref="ChatTemplate.Render"/>'s parameters.</summary>
public sealed class ChatTemplateTests
{
    private static readonly ChatTemplateMessage[] s_conversation = [new("system", "Be brief."), new("user", "Hi")];

    private static string Render(string source, IReadOnlyDictionary<string, object?>? variables = null, string? bos = null, string? eos = null) =>
        ChatTemplate.Parse(source).Render(s_conversation, addGenerationPrompt: true, bos, eos, variables);

    /// <summary>The reference cases the public overload can express: text-only messages, no tools, a successful render.</summary>
    public static IEnumerable<TestCaseData> PlainCases() =>
        ReferenceRenders.Cases().Where(data => PlainMessages((ReferenceCase)data.Arguments[0]!) is not null);

    [TestCaseSource(nameof(PlainCases))]
    public void PublicRenderMatchesJinja2ForPlainConversations(ReferenceCase reference)
    {
        var source = ReferenceRenders.TemplateSource(reference);
        if (source.Contains("strftime_now", StringComparison.Ordinal))
        {
            Assert.Ignore("the template reads today's date: its renders are checked with a fixed clock by ChatTemplateReferenceTests");
        }
        var variables = reference.Variables;
        var extra = variables
            .Where(v => v.Key is not ("messages" or "add_generation_prompt" or "tools" or "documents" or "bos_token" or "eos_token"))
            .ToDictionary();
        var rendered = ChatTemplate.Parse(source).Render(
            PlainMessages(reference)!,
            (bool)variables["add_generation_prompt"]!,
            variables.GetValueOrDefault("bos_token") as string,
            variables.GetValueOrDefault("eos_token") as string,
            extra);
        Assert.That(rendered, Is.EqualTo(reference.ExpectedText));
    }

    // The messages of a successful reference case when each is only a role and a text content.
    private static ChatTemplateMessage[]? PlainMessages(ReferenceCase reference)
    {
        if (reference.ExpectedText is null || ((JsonElement)reference.Variables["tools"]!).ValueKind != JsonValueKind.Null)
        {
            return null;
        }
        var plain = new List<ChatTemplateMessage>();
        foreach (var message in ((JsonElement)reference.Variables["messages"]!).EnumerateArray())
        {
            if (message.EnumerateObject().Count() != 2 || message.GetProperty("content").ValueKind != JsonValueKind.String)
            {
                return null;
            }
            plain.Add(new(message.GetProperty("role").GetString()!, message.GetProperty("content").GetString()!));
        }
        return [.. plain];
    }

    [Test]
    public void MessagesAreDictionariesOfRoleAndContent()
    {
        Assert.That(Render("{% for m in messages %}{{ m.role }}={{ m['content'] }};{% endfor %}{{ messages[0] }}"),
            Is.EqualTo("system=Be brief.;user=Hi;{'role': 'system', 'content': 'Be brief.'}"));
    }

    [Test]
    public void SpecialTokensAreDefinedOnlyWhenGiven()
    {
        const string Source = "{{ bos_token is defined }} {{ eos_token is defined }} {{ bos_token }}";
        Assert.Multiple(() =>
        {
            Assert.That(Render(Source), Is.EqualTo("False False "));
            Assert.That(Render(Source, bos: "<s>", eos: "</s>"), Is.EqualTo("True True <s>"));
        });
    }

    [Test]
    public void ToolsAndDocumentsAreNoneUnlessGiven()
    {
        Assert.That(Render("{{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}"), Is.EqualTo("True True True"));
    }

    [Test]
    public void ExtraVariablesBecomePythonValues()
    {
        var tool = new Dictionary<string, object?>
        {
            ["name"] = "get_weather",
            ["required"] = new[] { "city" },
            ["strict"] = true,
            ["retries"] = 3,
            ["temperature"] = 0.5,
            ["ratio"] = 1.0f,
            ["default"] = null,
        };
        var variables = new Dictionary<string, object?> { ["tools"] = new List<object?> { tool }, ["enable_thinking"] = false };
        // Expected output: Python's json.dumps(..., ensure_ascii=False) and repr() of the same data.
        Assert.That(Render("{{ tools | tojson }}|{{ tools[0] }}|{{ enable_thinking is false }}", variables), Is.EqualTo(
            "[{\"name\": \"get_weather\", \"required\": [\"city\"], \"strict\": true, \"retries\": 3, \"temperature\": 0.5, \"ratio\": 1.0, \"default\": null}]"
            + "|{'name': 'get_weather', 'required': ['city'], 'strict': True, 'retries': 3, 'temperature': 0.5, 'ratio': 1.0, 'default': None}"
            + "|True"));
    }

    [Test]
    public void JsonVariablesConvertAsJsonLoadsWould()
    {
        const string Json = """{"type": "function", "n": 2, "x": 2.0, "big": 1e3, "list": [true, null, "ü"]}""";
        const string Source = "{{ tool | tojson }}|{{ tool.n + 1 }}|{{ tool.x }}";
        // json.loads makes 2 an int, 2.0 and 1e3 floats; json.dumps prints 1e3 as 1000.0.
        const string Expected = "{\"type\": \"function\", \"n\": 2, \"x\": 2.0, \"big\": 1000.0, \"list\": [true, null, \"ü\"]}|3|2.0";
        using var document = JsonDocument.Parse(Json);
        Assert.Multiple(() =>
        {
            Assert.That(Render(Source, new Dictionary<string, object?> { ["tool"] = document.RootElement }), Is.EqualTo(Expected));
            Assert.That(Render(Source, new Dictionary<string, object?> { ["tool"] = JsonNode.Parse(Json) }), Is.EqualTo(Expected));
        });
    }

    [Test]
    public void UnusableVariableTypeIsAnArgumentErrorNamingThePath()
    {
        var variables = new Dictionary<string, object?> { ["tools"] = new object?[] { new Dictionary<string, object?> { ["when"] = DateTime.UnixEpoch } } };
        var error = Assert.Throws<ArgumentException>(() => Render("x", variables));
        Assert.That(error!.Message, Does.Contain("tools[0].when").And.Contain("System.DateTime"));
    }

    [TestCase("messages")]
    [TestCase("add_generation_prompt")]
    public void ExtraVariableCannotReplaceAParameter(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => Render("x", new Dictionary<string, object?> { [name] = null }));
        Assert.That(error!.Message, Does.Contain(name));
    }

    [Test]
    public void SourceIsKeptAsGiven()
    {
        const string Source = "{{ messages | length }}\r\n";
        Assert.That(ChatTemplate.Parse(Source).Source, Is.EqualTo(Source));
    }

    [Test]
    public void ChatTemplateExceptionIsAMetalCoreException()
    {
        Assert.That(() => ChatTemplate.Parse("{% if %}"), Throws.InstanceOf<MetalCoreException>());
    }

    [Test]
    public void ConcurrentRendersOfOneTemplateDoNotInterfere()
    {
        // Namespaces, macros and loops all keep per-render state.
        var template = ChatTemplate.Parse(
            "{% set ns = namespace(count=0) %}{% macro line(m) %}{{ m.role }}:{{ m.content }}{% endmacro %}"
            + "{% for m in messages %}{% set ns.count = ns.count + m.content | length %}{{ line(m) }}{{ loop.index }};{% endfor %}{{ ns.count }}");
        var conversations = Enumerable.Range(0, 16)
            .Select(i => Enumerable.Range(0, i + 1).Select(j => new ChatTemplateMessage(j % 2 == 0 ? "user" : "assistant", new string('x', j))).ToArray())
            .ToArray();
        var expected = conversations.Select(c => template.Render(c, addGenerationPrompt: false)).ToArray();

        var mismatches = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (template.Render(conversations[i % 16], addGenerationPrompt: false) != expected[i % 16])
            {
                Interlocked.Increment(ref mismatches);
            }
        });
        Assert.Multiple(() =>
        {
            Assert.That(expected[2], Is.EqualTo("user:1;assistant:x2;user:xx3;3"), "jinja2's render of the same conversation");
            Assert.That(mismatches, Is.Zero);
        });
    }
}
