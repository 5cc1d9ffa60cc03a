namespace MetalCore.Chat.Templates;

/// <summary>What made a chat template fail, matching the exception jinja2 would raise.</summary>
public enum ChatTemplateErrorKind
{
    /// <summary>The template is not valid Jinja (jinja2's <c>TemplateSyntaxError</c> or <c>TemplateAssertionError</c>).</summary>
    Syntax,

    /// <summary>The template uses a Jinja construct, filter, test, method or global this renderer does not implement.</summary>
    Unsupported,

    /// <summary>The template called <c>raise_exception(message)</c>; the exception's message is the template's own.</summary>
    RaisedByTemplate,

    /// <summary>An operation on an undefined value (jinja2's <c>UndefinedError</c>), e.g. a missing list element.</summary>
    Undefined,

    /// <summary>The template tried something the immutable sandbox forbids (jinja2's <c>SecurityError</c>), e.g. <c>list.append</c>.</summary>
    Security,

    /// <summary>Any other failure while rendering: a Python <c>TypeError</c>, <c>ValueError</c>, division by zero, ...</summary>
    Runtime,
}
