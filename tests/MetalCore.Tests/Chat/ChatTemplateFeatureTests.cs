using System.Globalization;
using System.Text.Json;
using MetalCore.Chat.Templates;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Chat;

/// <summary>
/// One Jinja feature per snippet (whitespace control, loops, macros, filters, tests, methods,
/// printing, tojson, errors), rendered by jinja2 in Hugging Face's environment
/// (<c>tools/reference/render_jinja_features.py</c> wrote <c>Chat/Expected/features.json</c>):
/// ours must give the same text, or fail the same way with the same message.
/// </summary>
public sealed class ChatTemplateFeatureTests
{
    private static readonly Lazy<Features> s_features = new(Load);

    // jinja2's exception type → the kind ours reports.
    private static readonly Dictionary<string, ChatTemplateErrorKind> s_errorKinds = new(StringComparer.Ordinal)
    {
        ["TemplateSyntaxError"] = ChatTemplateErrorKind.Syntax,
        ["TemplateAssertionError"] = ChatTemplateErrorKind.Syntax,
        ["TemplateError"] = ChatTemplateErrorKind.RaisedByTemplate,
        ["UndefinedError"] = ChatTemplateErrorKind.Undefined,
        ["SecurityError"] = ChatTemplateErrorKind.Security,
        ["TypeError"] = ChatTemplateErrorKind.Runtime,
        ["ValueError"] = ChatTemplateErrorKind.Runtime,
        ["ZeroDivisionError"] = ChatTemplateErrorKind.Runtime,
        ["TemplateRuntimeError"] = ChatTemplateErrorKind.Runtime,
    };

    public static IEnumerable<TestCaseData> Snippets() =>
        s_features.Value.Snippets.Select(s => new TestCaseData(s).SetName(s.Name));

    [TestCaseSource(nameof(Snippets))]
    public void SnippetMatchesJinja2(Snippet snippet)
    {
        string Run() => ChatTemplate.Parse(snippet.Template).RenderVariables(s_features.Value.Variables, s_features.Value.Clock);

        if (snippet.ErrorType is { } type)
        {
            var error = Assert.Throws<ChatTemplateException>(() => Run());
            Assert.Multiple(() =>
            {
                Assert.That(error!.Kind, Is.EqualTo(s_errorKinds[type]), error.Message);
                Assert.That(error.Reason, Is.EqualTo(snippet.ErrorMessage));
            });
            return;
        }
        Assert.That(Run(), Is.EqualTo(snippet.Output));
    }

    private static Features Load()
    {
        var path = Path.Combine(ReferenceRenders.Folder, "features.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var variables = root.GetProperty("variables").EnumerateObject()
            .ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        var snippets = root.GetProperty("snippets").EnumerateArray().Select(s => new Snippet(
            s.GetProperty("name").GetString()!,
            s.GetProperty("template").GetString()!,
            s.TryGetProperty("output", out var output) ? output.GetString() : null,
            s.TryGetProperty("error", out var error) ? error.GetProperty("type").GetString() : null,
            s.TryGetProperty("error", out error) ? error.GetProperty("message").GetString() : null)).ToList();
        var now = DateTime.Parse(root.GetProperty("now").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        return new Features(variables, snippets, ReferenceRenders.ClockAt(now));
    }

    private sealed record Features(IReadOnlyDictionary<string, object?> Variables, IReadOnlyList<Snippet> Snippets, TimeProvider Clock);
}

/// <summary>A snippet and what jinja2 made of it: its output, or its exception's type and message.</summary>
public sealed record Snippet(string Name, string Template, string? Output, string? ErrorType, string? ErrorMessage)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}
