namespace MetalCore.Chat.Templates;

/// <summary>
/// A chat template failed to parse or to render. <see cref="Reason"/> holds the message jinja2
/// would give; <see cref="Exception.Message"/> adds the template position, except for
/// <see cref="ChatTemplateErrorKind.RaisedByTemplate"/>, whose message is exactly the one the
/// template passed to <c>raise_exception</c>.
/// </summary>
public sealed class ChatTemplateException : MetalCoreException
{
    /// <summary>Creates an exception for a failure at a template position (line and column from 1; 0 when unknown).</summary>
    public ChatTemplateException(ChatTemplateErrorKind kind, string reason, int line, int column)
        : base(FormatMessage(kind, reason, line, column))
    {
        Kind = kind;
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>What went wrong.</summary>
    public ChatTemplateErrorKind Kind { get; }

    /// <summary>The failure without its position: jinja2's message for the same failure.</summary>
    public string Reason { get; }

    /// <summary>The template line (from 1) of the construct that failed, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The column (from 1, in UTF-16 code units) of the construct that failed, or 0 when unknown.</summary>
    public int Column { get; }

    private static string FormatMessage(ChatTemplateErrorKind kind, string reason, int line, int column) =>
        kind == ChatTemplateErrorKind.RaisedByTemplate || line == 0
            ? reason
            : $"{reason} (template line {line}, column {column})";
}
