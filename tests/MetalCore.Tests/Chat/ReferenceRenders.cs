using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Chat;

/// <summary>
/// The renders jinja2 produced for every fixture chat template (written by
/// <c>tools/reference/render_chat_templates.py</c> into <c>Chat/Expected</c>): the manifest with
/// every input, and per case the exact output or the error jinja2 raised.
/// </summary>
public static class ReferenceRenders
{
    private static readonly Lazy<Manifest> s_manifest = new(Load);

    /// <summary>The folder of expected renders, committed with the tests.</summary>
    public static string Folder => Path.Combine(Fixtures.RepositoryRoot, "tests", "MetalCore.Tests", "Chat", "Expected");

    /// <summary>Every case of the manifest, as test cases named template/conversation.</summary>
    public static IEnumerable<TestCaseData> Cases() =>
        s_manifest.Value.Cases.Select(c => new TestCaseData(c).SetName($"{c.Template}/{c.Conversation}"));

    /// <summary>The number of distinct templates the manifest covers.</summary>
    public static int TemplateCount => s_manifest.Value.Cases.Select(c => c.Template).Distinct().Count();

    /// <summary>The template fixture of a case, checked against the hash the reference was rendered from.</summary>
    public static string TemplateSource(ReferenceCase referenceCase)
    {
        var path = Fixtures.Require(Path.Combine("chat-templates", referenceCase.TemplateFile));
        var bytes = File.ReadAllBytes(path);
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(bytes)), Is.EqualTo(referenceCase.TemplateSha256),
            $"{path} changed since the expected renders were written: re-run tools/reference/render_chat_templates.py.");
        return new UTF8Encoding(false, true).GetString(bytes);
    }

    /// <summary>The clock strftime_now read when the reference renders were made (a naive local time).</summary>
    public static TimeProvider Clock => ClockAt(s_manifest.Value.Now);

    /// <summary>A clock that always reads <paramref name="now"/> as the local time.</summary>
    public static TimeProvider ClockAt(DateTime now) => new FixedClock(now);

    private static Manifest Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json")));
        var root = document.RootElement;
        var conversations = root.GetProperty("conversations");
        var templates = root.GetProperty("templates");
        var cases = new List<ReferenceCase>();
        foreach (var entry in root.GetProperty("cases").EnumerateArray())
        {
            var template = entry.GetProperty("template").GetString()!;
            var conversationName = entry.GetProperty("conversation").GetString()!;
            var conversation = conversations.GetProperty(conversationName);
            var templateInfo = templates.GetProperty(template);
            var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["messages"] = conversation.GetProperty("messages").Clone(),
                ["add_generation_prompt"] = conversation.GetProperty("add_generation_prompt").GetBoolean(),
                ["tools"] = conversation.GetProperty("tools").Clone(),
                ["documents"] = null,
            };
            foreach (var token in new[] { "bos_token", "eos_token" })
            {
                if (templateInfo.TryGetProperty(token, out var value))
                {
                    variables[token] = value.GetString();
                }
            }
            foreach (var variable in conversation.GetProperty("variables").EnumerateObject())
            {
                variables[variable.Name] = variable.Value.Clone();
            }
            cases.Add(new ReferenceCase(
                template,
                conversationName,
                templateInfo.GetProperty("file").GetString()!,
                templateInfo.GetProperty("sha256").GetString()!,
                variables,
                entry.TryGetProperty("expected", out var expected) ? ReadExpected(expected.GetString()!) : null,
                entry.TryGetProperty("error", out var error) ? ReadError(error.GetString()!) : null));
        }
        var now = DateTime.Parse(root.GetProperty("now").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        return new Manifest(now, cases);
    }

    private static string ReadExpected(string relativePath) =>
        new UTF8Encoding(false, true).GetString(File.ReadAllBytes(Path.Combine(Folder, relativePath)));

    private static ReferenceError ReadError(string relativePath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, relativePath)));
        return new ReferenceError(
            document.RootElement.GetProperty("type").GetString()!,
            document.RootElement.GetProperty("message").GetString()!);
    }

    private sealed record Manifest(DateTime Now, IReadOnlyList<ReferenceCase> Cases);

    /// <summary>A clock reading a fixed local time (in a UTC local zone, so local and UTC agree).</summary>
    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(now, DateTimeKind.Utc));

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}

/// <summary>One reference render: a template, the variables it was given, and its output or error.</summary>
public sealed record ReferenceCase(
    string Template,
    string Conversation,
    string TemplateFile,
    string TemplateSha256,
    IReadOnlyDictionary<string, object?> Variables,
    string? ExpectedText,
    ReferenceError? ExpectedError)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Template}/{Conversation}";
}

/// <summary>The exception jinja2 raised: its Python type name and message.</summary>
public sealed record ReferenceError(string Type, string Message);
