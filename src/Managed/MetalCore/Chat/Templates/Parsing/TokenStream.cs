using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Lexing;

namespace MetalCore.Chat.Templates.Parsing;

/// <summary>The parser's cursor over the tokens, ending with an end-of-file token.</summary>
internal sealed class TokenStream
{
    private readonly List<Token> _tokens;
    private int _index;

    public TokenStream(List<Token> tokens, Token endOfFile)
    {
        _tokens = [.. tokens, endOfFile];
    }

    public Token Current => _tokens[_index];

    /// <summary>The token after the current one.</summary>
    public Token Peek => _tokens[Math.Min(_index + 1, _tokens.Count - 1)];

    public Token Next()
    {
        var token = Current;
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }
        return token;
    }

    public bool SkipIfOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            return false;
        }
        Next();
        return true;
    }

    public bool SkipIfName(string name)
    {
        if (!Current.IsName(name))
        {
            return false;
        }
        Next();
        return true;
    }

    public Token Expect(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw Unexpected(Token.Describe(kind) ?? kind.ToString());
        }
        return Next();
    }

    public Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            throw Unexpected(op);
        }
        return Next();
    }

    public Token ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw Unexpected(name);
        }
        return Next();
    }

    /// <summary>jinja2's message for a token other than <paramref name="expected"/> (a token description).</summary>
    public TemplateError Unexpected(string expected) => Current.Kind == TokenKind.EndOfFile
        ? SyntaxError($"unexpected end of template, expected {PythonRepr.QuoteString(expected)}.")
        : SyntaxError($"expected token {PythonRepr.QuoteString(expected)}, got {PythonRepr.QuoteString(Current.Description)}");

    public TemplateError SyntaxError(string message) => SyntaxError(message, Current);

    public static TemplateError SyntaxError(string message, Token at) =>
        new(ChatTemplateErrorKind.Syntax, message) { Location = at.Location };
}
