using System.Text;
using MetalCore.Chat.Templates;

namespace MetalCore.Tests.Chat;

/// <summary>
/// Every fixture chat template, rendered for every reference conversation, matches what jinja2
/// (configured as Hugging Face transformers configures it) rendered: byte for byte, or the same
/// error with the same message.
/// </summary>
public sealed class ChatTemplateReferenceTests
{
    // jinja2's exception type → the kind ours reports.
    private static readonly Dictionary<string, ChatTemplateErrorKind> s_errorKinds = new(StringComparer.Ordinal)
    {
        ["TemplateError"] = ChatTemplateErrorKind.RaisedByTemplate,
        ["UndefinedError"] = ChatTemplateErrorKind.Undefined,
        ["SecurityError"] = ChatTemplateErrorKind.Security,
        ["TypeError"] = ChatTemplateErrorKind.Runtime,
        ["ValueError"] = ChatTemplateErrorKind.Runtime,
    };

    [Test]
    public void EveryFixtureTemplateHasReferenceRenders()
    {
        var folder = Infrastructure.Fixtures.Require("chat-templates");
        var fixtures = Directory.GetFiles(folder, "*.jinja").Length;
        Assert.That(ReferenceRenders.TemplateCount, Is.EqualTo(fixtures),
            "the expected renders do not cover every fixture template: re-run tools/reference/render_chat_templates.py");
    }

    [TestCaseSource(typeof(ReferenceRenders), nameof(ReferenceRenders.Cases))]
    public void RenderMatchesJinja2(ReferenceCase reference)
    {
        var template = ChatTemplate.Parse(ReferenceRenders.TemplateSource(reference));

        if (reference.ExpectedError is { } error)
        {
            var exception = Assert.Throws<ChatTemplateException>(() => template.RenderVariables(reference.Variables, ReferenceRenders.Clock));
            Assert.Multiple(() =>
            {
                Assert.That(exception!.Kind, Is.EqualTo(s_errorKinds[error.Type]), exception.Message);
                Assert.That(exception.Reason, Is.EqualTo(error.Message));
            });
            return;
        }

        var rendered = template.RenderVariables(reference.Variables, ReferenceRenders.Clock);
        Assert.That(Encoding.UTF8.GetBytes(rendered), Is.EqualTo(Encoding.UTF8.GetBytes(reference.ExpectedText!)),
            $"render differs from jinja2's; ours:\n{rendered}\n--- jinja2's:\n{reference.ExpectedText}");
    }
}
