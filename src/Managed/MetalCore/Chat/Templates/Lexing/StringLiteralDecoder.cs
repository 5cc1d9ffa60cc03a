using System.Globalization;
using System.Text;
using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates.Lexing;

/// <summary>
/// Decodes the inside of a string literal as jinja2 does: Python's <c>unicode-escape</c> codec
/// (<c>\n</c>, <c>\t</c>, <c>\xhh</c>, <c>\uhhhh</c>, octal, ...; an unknown escape stays as written).
/// </summary>
internal static class StringLiteralDecoder
{
    public static string Decode(string body, SourceLocation location)
    {
        if (!body.Contains('\\', StringComparison.Ordinal))
        {
            return body;
        }
        var builder = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '\\' || i + 1 == body.Length)
            {
                builder.Append(c);
                continue;
            }
            var escape = body[++i];
            switch (escape)
            {
                case '\n':
                    break; // a backslash before a line break joins the lines
                case '\\' or '\'' or '"':
                    builder.Append(escape);
                    break;
                case 'a':
                    builder.Append('\a');
                    break;
                case 'b':
                    builder.Append('\b');
                    break;
                case 'f':
                    builder.Append('\f');
                    break;
                case 'n':
                    builder.Append('\n');
                    break;
                case 'r':
                    builder.Append('\r');
                    break;
                case 't':
                    builder.Append('\t');
                    break;
                case 'v':
                    builder.Append('\v');
                    break;
                case >= '0' and <= '7':
                    var octalEnd = i;
                    while (octalEnd < body.Length && octalEnd - i < 3 && body[octalEnd] is >= '0' and <= '7')
                    {
                        octalEnd++;
                    }
                    builder.Append((char)Convert.ToInt32(body[i..octalEnd], 8));
                    i = octalEnd - 1;
                    break;
                case 'x' or 'u' or 'U':
                    var width = escape == 'x' ? 2 : escape == 'u' ? 4 : 8;
                    var digits = i + width < body.Length ? body.Substring(i + 1, width) : string.Empty;
                    if (digits.Length == 0 || !digits.All(char.IsAsciiHexDigit)
                        || !int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                        || code > 0x10ffff)
                    {
                        throw new TemplateError(ChatTemplateErrorKind.Syntax, $"truncated \\{escape} escape in string literal")
                        {
                            Location = location,
                        };
                    }
                    // Python allows lone surrogates (\ud83d); .NET strings hold them as they are.
                    builder.Append(code is >= 0xd800 and <= 0xdfff ? ((char)code).ToString() : char.ConvertFromUtf32(code));
                    i += width;
                    break;
                case > '\x7f':
                    // jinja2 first turns non-ASCII characters into \x.., \u...., \U........ escapes, so a
                    // backslash before one escapes that escape's own backslash.
                    var escaped = char.IsHighSurrogate(escape) && i + 1 < body.Length && char.IsLowSurrogate(body[i + 1])
                        ? $"U{char.ConvertToUtf32(escape, body[++i]):x8}"
                        : escape <= '\xff' ? $"x{(int)escape:x2}" : $"u{(int)escape:x4}";
                    builder.Append('\\').Append(escaped);
                    break;
                default:
                    builder.Append('\\').Append(escape);
                    break;
            }
        }
        return builder.ToString();
    }
}
