using System.Text;
using MetalCore.Chat.Templates.Formatting;

namespace MetalCore.Chat.Templates.Lexing;

/// <summary>
/// Splits a template into tokens exactly as jinja2's lexer does under Hugging Face's settings
/// (<c>trim_blocks=True</c>, <c>lstrip_blocks=True</c>): text, <c>{{ }}</c>, <c>{% %}</c> and
/// <c>{# #}</c> tags with their whitespace control, and the tokens inside tags.
/// <list type="bullet">
/// <item><c>{%-</c>, <c>{{-</c>, <c>{#-</c> strip all whitespace before the tag; <c>-%}</c>, <c>-}}</c>, <c>-#}</c> all whitespace after.</item>
/// <item>trim_blocks: a block or comment tag swallows the one line break right after it, unless it ends with <c>+%}</c>.</item>
/// <item>lstrip_blocks: spaces and tabs between a line start and a block or comment tag are removed, unless it opens with <c>{%+</c>.</item>
/// </list>
/// </summary>
internal sealed class TemplateLexer
{
    // Longest first, so that "//" is not read as two "/".
    private static readonly string[] s_operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"];

    private readonly TemplateSource _source;
    private readonly string _text;
    private readonly List<Token> _tokens = [];
    private int _position;

    // Whether the last thing consumed ended a line: lstrip_blocks then applies to text starting here.
    private bool _lineStarting = true;

    private TemplateLexer(TemplateSource source)
    {
        _source = source;
        _text = source.Text;
    }

    public static List<Token> Tokenize(TemplateSource source)
    {
        var lexer = new TemplateLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_position < _text.Length)
        {
            var tagStart = FindTagStart(_position);
            if (tagStart < 0)
            {
                Add(TokenKind.Data, _text[_position..], _position);
                return;
            }
            var kind = _text[tagStart + 1];
            var signAt = tagStart + 2;
            var sign = signAt < _text.Length && _text[signAt] is '-' or '+' ? _text[signAt] : '\0';
            var rawEnd = kind == '%' ? MatchRawBegin(signAt) : -1;

            var data = ControlWhitespaceBefore(_text[_position..tagStart], sign, appliesLStrip: kind != '{');
            if (data.Length != 0)
            {
                Add(TokenKind.Data, data, _position);
            }

            if (rawEnd >= 0)
            {
                _position = rawEnd;
                _lineStarting = _text[rawEnd - 1] == '\n';
                ReadRawBody(tagStart);
                continue;
            }

            _position = signAt + (sign == '\0' ? 0 : 1);
            _lineStarting = false;
            switch (kind)
            {
                case '#':
                    SkipComment(tagStart);
                    break;
                case '%':
                    Add(TokenKind.BlockBegin, "{%", tagStart);
                    ReadTag(isBlock: true);
                    break;
                default:
                    Add(TokenKind.VariableBegin, "{{", tagStart);
                    ReadTag(isBlock: false);
                    break;
            }
        }
    }

    private int FindTagStart(int from)
    {
        for (var i = _text.IndexOf('{', from); i >= 0 && i + 1 < _text.Length; i = _text.IndexOf('{', i + 1))
        {
            if (_text[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Applies <c>-</c> or lstrip_blocks to the text before a tag.</summary>
    private string ControlWhitespaceBefore(string text, char sign, bool appliesLStrip)
    {
        if (sign == '-')
        {
            return PythonText.Strip(text, null, left: false);
        }
        if (sign == '+' || !appliesLStrip)
        {
            return text;
        }
        var lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart > 0 || _lineStarting)
        {
            var tail = text.AsSpan(lineStart);
            if (!tail.IsEmpty && AllSpace(tail))
            {
                return text[..lineStart];
            }
        }
        return text;
    }

    private static bool AllSpace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!PythonText.IsSpace(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Matches <c>{% raw %}</c> (with optional <c>-</c>/<c>+</c> and whitespace) at a block start;
    /// returns the offset after it, or -1.
    /// </summary>
    private int MatchRawBegin(int afterBrace)
    {
        var i = afterBrace;
        if (i < _text.Length && _text[i] is '-' or '+')
        {
            i++;
        }
        i = SkipSpace(i);
        if (!At(i, "raw"))
        {
            return -1;
        }
        i = SkipSpace(i + 3);
        return At(i, "-%}") ? SkipSpace(i + 3)
            : At(i, "%}") ? i + 2
            : -1;
    }

    /// <summary>Reads the text up to <c>{% endraw %}</c> as data, with the usual whitespace control around that tag.</summary>
    private void ReadRawBody(int rawTagStart)
    {
        for (var i = _text.IndexOf("{%", _position, StringComparison.Ordinal); i >= 0; i = _text.IndexOf("{%", i + 1, StringComparison.Ordinal))
        {
            var signAt = i + 2;
            var sign = signAt < _text.Length && _text[signAt] is '-' or '+' ? _text[signAt] : '\0';
            var j = SkipSpace(signAt + (sign == '\0' ? 0 : 1));
            if (!At(j, "endraw"))
            {
                continue;
            }
            var end = MatchBlockEnd(SkipSpace(j + 6));
            if (end < 0)
            {
                continue;
            }
            var data = ControlWhitespaceBefore(_text[_position..i], sign, appliesLStrip: true);
            if (data.Length != 0)
            {
                Add(TokenKind.Data, data, _position);
            }
            _position = end;
            _lineStarting = _text[end - 1] == '\n';
            return;
        }
        throw Error("Missing end of raw directive", rawTagStart);
    }

    private void SkipComment(int commentStart)
    {
        for (var i = _position; i < _text.Length; i++)
        {
            var end = _text[i] switch
            {
                '+' when At(i + 1, "#}") => i + 3,
                '-' when At(i + 1, "#}") => SkipSpace(i + 3),
                '#' when At(i + 1, "}") => TrimBlockNewline(i + 2),
                _ => -1,
            };
            if (end >= 0)
            {
                _position = end;
                _lineStarting = _text[end - 1] == '\n';
                return;
            }
        }
        throw Error("Missing end of comment tag", commentStart);
    }

    /// <summary>Reads the tokens inside <c>{% %}</c> or <c>{{ }}</c> up to and including the closing tag.</summary>
    private void ReadTag(bool isBlock)
    {
        // The closing tag only counts outside brackets: "{{ {'a': 1} }}".
        var brackets = new Stack<char>();
        while (_position < _text.Length)
        {
            if (brackets.Count == 0)
            {
                var end = isBlock ? MatchBlockEnd(_position) : MatchVariableEnd(_position);
                if (end >= 0)
                {
                    Add(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, isBlock ? "%}" : "}}", _position);
                    _position = end;
                    _lineStarting = _text[end - 1] == '\n';
                    return;
                }
            }
            if (PythonText.IsSpace(_text[_position]))
            {
                _position++;
                continue;
            }
            ReadTagToken(brackets);
        }
    }

    private void ReadTagToken(Stack<char> brackets)
    {
        var start = _position;
        int end;
        if ((end = MatchFloat(start)) > start)
        {
            Add(TokenKind.Float, _text[start..end], start);
        }
        else if ((end = MatchInteger(start)) > start)
        {
            Add(TokenKind.Integer, _text[start..end], start);
        }
        else if ((end = MatchName(start)) > start)
        {
            Add(TokenKind.Name, _text[start..end], start);
        }
        else if ((end = MatchString(start)) > start)
        {
            Add(TokenKind.String, StringLiteralDecoder.Decode(_text[(start + 1)..(end - 1)], _source.LocationOf(start)), start);
        }
        else if (s_operators.FirstOrDefault(op => At(start, op)) is { } op)
        {
            end = start + op.Length;
            TrackBracket(brackets, op[0], start);
            Add(TokenKind.Operator, op, start);
        }
        else
        {
            var character = Rune.GetRuneAt(_text, start).ToString();
            throw Error($"unexpected char {PythonRepr.QuoteString(character)} at {PythonText.CodePointIndex(_text, start)}", start);
        }
        _position = end;
    }

    private void TrackBracket(Stack<char> brackets, char c, int offset)
    {
        switch (c)
        {
            case '(':
                brackets.Push(')');
                break;
            case '[':
                brackets.Push(']');
                break;
            case '{':
                brackets.Push('}');
                break;
            case ')' or ']' or '}':
                if (brackets.Count == 0)
                {
                    throw Error($"unexpected '{c}'", offset);
                }
                var expected = brackets.Pop();
                if (expected != c)
                {
                    throw Error($"unexpected '{c}', expected '{expected}'", offset);
                }
                break;
        }
    }

    /// <summary><c>+%}</c>, <c>-%}</c> plus following whitespace, or <c>%}</c> plus one line break (trim_blocks).</summary>
    private int MatchBlockEnd(int at) =>
        At(at, "+%}") ? at + 3
        : At(at, "-%}") ? SkipSpace(at + 3)
        : At(at, "%}") ? TrimBlockNewline(at + 2)
        : -1;

    private int MatchVariableEnd(int at) =>
        At(at, "-}}") ? SkipSpace(at + 3)
        : At(at, "}}") ? at + 2
        : -1;

    private int TrimBlockNewline(int at) => at < _text.Length && _text[at] == '\n' ? at + 1 : at;

    /// <summary>jinja2's float: digits (with _ separators), then a fraction, an exponent or both; not right after a '.'.</summary>
    private int MatchFloat(int at)
    {
        if (at > 0 && _text[at - 1] == '.')
        {
            return at;
        }
        var i = MatchDigits(at);
        if (i == at)
        {
            return at;
        }
        var hasFraction = false;
        if (i < _text.Length && _text[i] == '.')
        {
            var fractionEnd = MatchDigits(i + 1);
            if (fractionEnd > i + 1)
            {
                hasFraction = true;
                i = fractionEnd;
            }
        }
        if (i < _text.Length && _text[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < _text.Length && _text[j] is '+' or '-')
            {
                j++;
            }
            var exponentEnd = MatchDigits(j);
            if (exponentEnd > j)
            {
                return exponentEnd;
            }
        }
        return hasFraction ? i : at;
    }

    /// <summary>jinja2's integer: 0b/0o/0x prefixed, a decimal without leading zeros, or zero.</summary>
    private int MatchInteger(int at)
    {
        if (at >= _text.Length || !char.IsAsciiDigit(_text[at]))
        {
            return at;
        }
        if (_text[at] == '0' && at + 1 < _text.Length && char.ToLowerInvariant(_text[at + 1]) is 'b' or 'o' or 'x')
        {
            var radix = char.ToLowerInvariant(_text[at + 1]);
            bool IsDigit(char c) => radix switch
            {
                'b' => c is '0' or '1',
                'o' => c is >= '0' and <= '7',
                _ => char.IsAsciiHexDigit(c),
            };
            var i = at + 2;
            while (i < _text.Length && (IsDigit(_text[i]) || (_text[i] == '_' && i + 1 < _text.Length && IsDigit(_text[i + 1]))))
            {
                i++;
            }
            if (i > at + 2)
            {
                return i;
            }
        }
        if (_text[at] == '0')
        {
            var i = at + 1;
            while (i < _text.Length && (_text[i] == '0' || (_text[i] == '_' && i + 1 < _text.Length && _text[i + 1] == '0')))
            {
                i++;
            }
            return i;
        }
        return MatchDigits(at);
    }

    /// <summary>Digits with single underscores between them.</summary>
    private int MatchDigits(int at)
    {
        var i = at;
        while (i < _text.Length && (char.IsAsciiDigit(_text[i])
            || (_text[i] == '_' && i > at && i + 1 < _text.Length && char.IsAsciiDigit(_text[i + 1]))))
        {
            i++;
        }
        return i;
    }

    private int MatchName(int at)
    {
        if (at >= _text.Length || !(char.IsLetter(_text[at]) || _text[at] == '_'))
        {
            return at;
        }
        var i = at + 1;
        while (i < _text.Length && (char.IsLetterOrDigit(_text[i]) || _text[i] == '_'
            || char.GetUnicodeCategory(_text[i]) is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark
                or System.Globalization.UnicodeCategory.ConnectorPunctuation))
        {
            i++;
        }
        return i;
    }

    /// <summary>A single- or double-quoted literal with backslash escapes; returns the offset after the closing quote.</summary>
    private int MatchString(int at)
    {
        if (at >= _text.Length || _text[at] is not ('\'' or '"'))
        {
            return at;
        }
        var quote = _text[at];
        for (var i = at + 1; i < _text.Length; i++)
        {
            if (_text[i] == '\\')
            {
                i++;
            }
            else if (_text[i] == quote)
            {
                return i + 1;
            }
        }
        return at;
    }

    private int SkipSpace(int at)
    {
        while (at < _text.Length && PythonText.IsSpace(_text[at]))
        {
            at++;
        }
        return at;
    }

    private bool At(int at, string expected) =>
        at + expected.Length <= _text.Length && string.CompareOrdinal(_text, at, expected, 0, expected.Length) == 0;

    private void Add(TokenKind kind, string text, int offset) => _tokens.Add(new Token(kind, text, _source.LocationOf(offset)));

    private TemplateError Error(string message, int offset) =>
        new(ChatTemplateErrorKind.Syntax, message) { Location = _source.LocationOf(offset) };
}
