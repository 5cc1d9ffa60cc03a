using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates.Lexing;

/// <summary>
/// One token: its kind, its text (for a string literal, the decoded value; for data, the text after
/// whitespace control) and where it starts.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourceLocation Location)
{
    /// <summary>Whether this is the name <paramref name="name"/> (a keyword such as <c>in</c>).</summary>
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    /// <summary>Whether this is the operator <paramref name="op"/>.</summary>
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;

    /// <summary>How error messages name the token (jinja2's <c>describe_token</c>; messages quote it with <c>repr</c>).</summary>
    public string Description => Describe(Kind) ?? Text;

    /// <summary>How error messages name a kind of token; null for names and operators, which are named by their text.</summary>
    public static string? Describe(TokenKind kind) => kind switch
    {
        TokenKind.EndOfFile => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockBegin => "begin of statement block",
        TokenKind.VariableBegin => "begin of print statement",
        TokenKind.Data => "template data / text",
        TokenKind.String => "string",
        TokenKind.Integer => "integer",
        TokenKind.Float => "float",
        TokenKind.Name => "name",
        _ => null,
    };
}
