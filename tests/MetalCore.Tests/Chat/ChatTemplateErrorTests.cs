using MetalCore.Chat.Templates;

namespace MetalCore.Tests.Chat;

/// <summary>
/// Failures name what failed and where. Where jinja2 also fails, the expected reason is the
/// message jinja2 3.1.6 gives for the same template (checked with Hugging Face's environment).
/// </summary>
public sealed class ChatTemplateErrorTests
{
    private static readonly ChatTemplateMessage[] s_conversation = [new("user", "Hi")];

    private static ChatTemplateException ParseFails(string source) =>
        Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(source))!;

    private static ChatTemplateException RenderFails(string source, IReadOnlyDictionary<string, object?>? variables = null)
    {
        var template = ChatTemplate.Parse(source);
        return Assert.Throws<ChatTemplateException>(() => template.Render(s_conversation, addGenerationPrompt: true, extraVariables: variables))!;
    }

    [TestCase("include", "Hello\n  {% include 'other.jinja' %}", 2, 6)]
    [TestCase("extends", "{% extends 'base.jinja' %}", 1, 4)]
    [TestCase("import", "{{ bos_token }}\n{% import 'macros.jinja' as m %}", 2, 4)]
    [TestCase("block", "{% block body %}x{% endblock %}", 1, 4)]
    public void UnsupportedTagFailsAtParseNamingTagLineAndColumn(string tag, string source, int line, int column)
    {
        var error = ParseFails(source);
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Unsupported));
            Assert.That(error.Reason, Does.Contain($"'{tag}'"));
            Assert.That((error.Line, error.Column), Is.EqualTo((line, column)));
            Assert.That(error.Message, Does.Contain($"line {line}, column {column}"));
        });
    }

    [Test]
    public void RecursiveLoopIsUnsupported()
    {
        var error = ParseFails("{% for m in messages recursive %}{{ loop(m.children) }}{% endfor %}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Unsupported));
            Assert.That(error.Reason, Does.Contain("recursive"));
            Assert.That(error.Line, Is.EqualTo(1));
        });
    }

    [Test]
    public void UnimplementedJinjaFilterFailsWhenReachedNamingFilterAndPosition()
    {
        var error = RenderFails("{% for m in messages %}\n{{ m.content | urlize }}\n{% endfor %}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Unsupported));
            Assert.That(error.Reason, Does.Contain("'urlize'"));
            Assert.That(error.Line, Is.EqualTo(2));
            Assert.That(error.Column, Is.GreaterThan(0));
        });
    }

    [Test]
    public void UnknownFilterIsASyntaxErrorAsInJinja2()
    {
        var error = ParseFails("{{ 'a' | nosuch }}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Syntax));
            Assert.That(error.Reason, Is.EqualTo("No filter named 'nosuch'."));
            Assert.That(error.Line, Is.EqualTo(1));
        });
    }

    [Test]
    public void UnknownFilterInsideAnUnreachedIfIsNotAnErrorAsInJinja2()
    {
        var template = ChatTemplate.Parse("{% if false %}{{ 'a' | nosuch }}{% endif %}ok");
        Assert.That(template.Render(s_conversation, addGenerationPrompt: false), Is.EqualTo("ok"));
    }

    [Test]
    public void UnclosedBlockIsASyntaxErrorWithJinja2sMessage()
    {
        var error = ParseFails("{% if messages %}\nx");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Syntax));
            Assert.That(error.Reason, Is.EqualTo("Unexpected end of template. Jinja was looking for the following tags: "
                + "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."));
            Assert.That(error.Line, Is.EqualTo(2));
        });
    }

    [Test]
    public void AttributeOfAnUndefinedVariableFailsNamingTheVariable()
    {
        var error = RenderFails("ok\n  {{ foo.bar }}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Undefined));
            Assert.That(error.Reason, Is.EqualTo("'foo' is undefined"));
            Assert.That((error.Line, error.Column), Is.EqualTo((2, 9)), "the position of the failing attribute access");
        });
    }

    [Test]
    public void AttributeOfAMissingAttributeFailsNamingTheMissingOne()
    {
        var error = RenderFails("{{ messages[0].missing.x }}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Undefined));
            Assert.That(error.Reason, Is.EqualTo("'dict object' has no attribute 'missing'"));
            Assert.That(error.Line, Is.EqualTo(1));
        });
    }

    [Test]
    public void MissingAttributeAloneRendersAsNothing()
    {
        var template = ChatTemplate.Parse("[{{ messages[0].missing }}]");
        Assert.That(template.Render(s_conversation, addGenerationPrompt: false), Is.EqualTo("[]"));
    }

    [Test]
    public void RaiseExceptionCarriesTheTemplatesMessageExactly()
    {
        var error = RenderFails("{% if messages[0].role == 'user' %}\n{{ raise_exception('Conversation roles must alternate') }}\n{% endif %}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.RaisedByTemplate));
            Assert.That(error.Message, Is.EqualTo("Conversation roles must alternate"));
            Assert.That(error.Line, Is.EqualTo(2));
        });
    }

    [Test]
    public void ModifyingAListIsASandboxSecurityError()
    {
        var error = RenderFails("{{ messages.append(1) }}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Security));
            Assert.That(error.Reason, Is.EqualTo("access to attribute 'append' of 'list' object is unsafe."));
        });
    }

    [Test]
    public void TypeErrorsCarryPythonsMessage()
    {
        var error = RenderFails("{{ 'a' + 1 }}");
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Runtime));
            Assert.That(error.Reason, Is.EqualTo("can only concatenate str (not \"int\") to str"));
        });
    }

    // jinja2 raises Python's RecursionError for all of these; ours must fail cleanly, never
    // overflow the stack (which would kill the process). They run on a thread with a small stack
    // so that modest nesting reaches its end quickly.
    [Test]
    public void EndlessMacroRecursionFails()
    {
        var error = OnSmallStack(() => RenderFails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        Assert.That(error.Reason, Does.Contain("recursion"));
    }

    [Test]
    public void DeeplyNestedExpressionFailsCleanly()
    {
        var source = "{{ " + new string('(', 5_000) + "1" + new string(')', 5_000) + " }}";
        var error = OnSmallStack(() => ParseFails(source));
        Assert.That(error.Reason, Does.Contain("recursion"));
    }

    [Test]
    public void DeeplyNestedBlocksFailCleanly()
    {
        var source = string.Concat(Enumerable.Repeat("{% if true %}", 5_000)) + string.Concat(Enumerable.Repeat("{% endif %}", 5_000));
        var error = OnSmallStack(() => ParseFails(source));
        Assert.That(error.Reason, Does.Contain("recursion"));
    }

    [Test]
    public void LongOperatorChainFailsCleanly()
    {
        // Parsed in a loop, but evaluated as a tree 5,000 levels deep.
        var template = ChatTemplate.Parse("{{ " + string.Concat(Enumerable.Repeat("1 + ", 5_000)) + "1 }}");
        var error = OnSmallStack(() => Assert.Throws<ChatTemplateException>(() => template.Render(s_conversation, addGenerationPrompt: false))!);
        Assert.That(error.Reason, Does.Contain("recursion"));
    }

    [Test]
    public void DeeplyNestedValueFailsCleanlyWhenPrinted()
    {
        var error = OnSmallStack(() => RenderFails(
            "{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"));
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ChatTemplateErrorKind.Runtime));
            Assert.That(error.Reason, Does.Contain("recursion"));
        });
    }

    private static T OnSmallStack<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new AssertionException($"failed on the small-stack thread: {failure}");
        }
        return result;
    }
}
