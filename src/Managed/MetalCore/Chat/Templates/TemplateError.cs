using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates;

/// <summary>
/// A failure inside the template engine. It is raised where the failure happens, often without
/// knowing the template position; the innermost template node that sees it pass records its
/// position, and <see cref="ChatTemplate"/> turns it into the public <see cref="ChatTemplateException"/>.
/// </summary>
internal sealed class TemplateError(ChatTemplateErrorKind kind, string reason) : Exception(reason)
{
    public ChatTemplateErrorKind Kind { get; } = kind;

    public string Reason { get; } = reason;

    public SourceLocation? Location { get; set; }

    /// <summary>Python's TypeError (wrong operand or argument types).</summary>
    public static TemplateError Type(string reason) => new(ChatTemplateErrorKind.Runtime, reason);

    /// <summary>Any other Python runtime error (ValueError, ZeroDivisionError, ...).</summary>
    public static TemplateError Runtime(string reason) => new(ChatTemplateErrorKind.Runtime, reason);

    public static TemplateError Unsupported(string reason) => new(ChatTemplateErrorKind.Unsupported, reason);

    public ChatTemplateException ToPublic() =>
        new(Kind, Reason, Location?.Line ?? 0, Location?.Column ?? 0);
}
