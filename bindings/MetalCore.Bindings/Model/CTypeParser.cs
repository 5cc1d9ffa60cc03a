using System.Text.RegularExpressions;

namespace MetalCore.Bindings.Model;

/// <summary>
/// Parses a type the way clang prints it in the JSON AST ("qualType"), e.g.
/// <c>const mc_tensor *</c>, <c>char[48]</c> or <c>void (*)(mc_log_level, const char *, void *)</c>:
/// declaration specifiers followed by an abstract declarator.
/// </summary>
internal sealed partial class CTypeParser
{
    private static readonly HashSet<string> s_ignoredSpecifiers =
        ["const", "volatile", "restrict", "__restrict", "struct", "enum"];

    private readonly string _text;
    private readonly string[] _tokens;
    private int _position;

    private CTypeParser(string text)
    {
        _text = text;
        _tokens = Token().Matches(text).Select(match => match.Value).ToArray();
    }

    /// <summary>Parses a whole type; anything it cannot read is an error naming the type.</summary>
    public static CType Parse(string text)
    {
        var parser = new CTypeParser(text);
        var type = parser.ParseTypeName();
        if (parser.Peek != null)
        {
            throw parser.Error($"unexpected '{parser.Peek}'");
        }
        return type;
    }

    private string? Peek => _position < _tokens.Length ? _tokens[_position] : null;

    private CType ParseTypeName()
    {
        var specified = ParseSpecifiers();
        return ParseDeclarator()(specified);
    }

    private CNamedType ParseSpecifiers()
    {
        var words = new List<string>();
        while (Peek is { } token && IsIdentifier(token))
        {
            _position++;
            if (token == "union")
            {
                throw Error("unions are not supported");
            }
            if (!s_ignoredSpecifiers.Contains(token))
            {
                words.Add(token);
            }
        }
        return words.Count > 0 ? new CNamedType(string.Join(' ', words)) : throw Error("missing type name");
    }

    // An abstract declarator wraps the type on its left inside out: in "char *(*)(int)" the
    // grouped "*" applies last. So the declarator is returned as a function of the base type.
    private Func<CType, CType> ParseDeclarator()
    {
        if (Accept("*"))
        {
            while (Peek is "const" or "volatile" or "restrict" or "__restrict")
            {
                _position++;
            }
            var rest = ParseDeclarator();
            return type => rest(new CPointerType(type));
        }
        Func<CType, CType> grouped = type => type;
        if (Peek == "(" && _position + 1 < _tokens.Length && _tokens[_position + 1] == "*")
        {
            _position++;
            grouped = ParseDeclarator();
            Expect(")");
        }
        var suffixes = new List<Func<CType, CType>>();
        while (true)
        {
            if (Accept("["))
            {
                var length = int.Parse(Next());
                Expect("]");
                suffixes.Add(element => new CArrayType(element, length));
            }
            else if (Accept("("))
            {
                var parameters = ParseParameters();
                suffixes.Add(result => new CFunctionType(result, parameters));
            }
            else
            {
                break;
            }
        }
        // int[2][3] is an array of 2 arrays of 3: the rightmost suffix binds first.
        return type => grouped(Enumerable.Reverse(suffixes).Aggregate(type, (inner, suffix) => suffix(inner)));
    }

    private List<CType> ParseParameters()
    {
        var parameters = new List<CType>();
        while (!Accept(")"))
        {
            if (parameters.Count > 0)
            {
                Expect(",");
            }
            if (Peek == "...")
            {
                throw Error("variadic functions cannot be called through LibraryImport");
            }
            parameters.Add(ParseTypeName());
        }
        // "(void)" declares no parameters.
        return parameters is [CNamedType { Name: "void" }] ? [] : parameters;
    }

    private bool Accept(string token)
    {
        if (Peek != token)
        {
            return false;
        }
        _position++;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
        {
            throw Error($"expected '{token}'");
        }
    }

    private string Next() => Peek is { } token ? _tokens[_position++] : throw Error("unexpected end");

    private static bool IsIdentifier(string token) => char.IsAsciiLetter(token[0]) || token[0] == '_';

    private BindingsException Error(string problem) => new($"Cannot translate the C type '{_text}': {problem}.");

    [GeneratedRegex(@"\.\.\.|[A-Za-z_]\w*|\d+|\S")]
    private static partial Regex Token();
}
