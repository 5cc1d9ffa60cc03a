using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates.Lexing;

/// <summary>
/// The template text as jinja2 lexes it: every line break (<c>\r\n</c>, <c>\r</c>, <c>\n</c>) made
/// <c>\n</c> and one trailing line break dropped (jinja2's default <c>keep_trailing_newline=False</c>),
/// with the map from offsets to lines and columns.
/// </summary>
internal sealed class TemplateSource
{
    private readonly List<int> _lineStarts = [0];

    public TemplateSource(string source)
    {
        var text = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        Text = text;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public string Text { get; }

    public SourceLocation LocationOf(int offset)
    {
        var line = _lineStarts.BinarySearch(offset);
        if (line < 0)
        {
            line = ~line - 1;
        }
        return new SourceLocation(line + 1, offset - _lineStarts[line] + 1);
    }
}
