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
            throw Unexpected(kind switch
            {
                TokenKind.BlockEnd => "end of statement block",
                TokenKind.VariableEnd => "end of print statement",
                TokenKind.Name => "name",
                _ => kind.ToString(),
            });
        }
        return Next();
    }

    public Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            throw Unexpected($"'{op}'");
        }
        return Next();
    }

    public Token ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw Unexpected($"'{name}'");
        }
        return Next();
    }

    public TemplateError Unexpected(string expected) =>
        SyntaxError($"expected token {expected}, got {Current.Description}");

    public TemplateError SyntaxError(string message) => SyntaxError(message, Current);

    public static TemplateError SyntaxError(string message, Token at) =>
        new(ChatTemplateErrorKind.Syntax, message) { Location = at.Location };
}
