using System.Text;

namespace MetalCore.Bindings;

/// <summary>
/// Finds the comment that documents a declaration in the header's text. Rules (those of
/// clang's -fparse-all-comments, minus comments separated from their declaration by a blank
/// line, which in this header are section banners):
/// a comment that starts on the declaration's last line, after it, with only <c>,</c> or
/// <c>;</c> between (a trailing member comment); otherwise the comments, each alone on its
/// lines, that end on the line just above the declaration.
/// </summary>
/// <remarks>Offsets are UTF-8 byte offsets, as in clang's AST.</remarks>
internal sealed class DocComments
{
    private readonly byte[] _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<Comment> _comments = [];

    private DocComments(byte[] source)
    {
        _source = source;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
        ScanComments();
    }

    /// <summary>Indexes the comments of a C source file.</summary>
    public static DocComments Scan(byte[] source) => new(source);

    /// <summary>The documentation of the declaration spanning bytes [begin, end), or null.</summary>
    public string? ForDeclaration(int begin, int end)
    {
        var trailing = _comments.FirstOrDefault(comment =>
            comment.Start >= end
            && LineOf(comment.Start) == LineOf(end)
            && _source.AsSpan(end, comment.Start - end).IndexOfAnyExcept(" \t,;"u8) < 0);
        return trailing != null ? Text([trailing]) : Preceding(LineOf(begin));
    }

    /// <summary>The documentation of the one-line declaration at a 1-based line (a #define), or null.</summary>
    public string? ForLine(int line)
    {
        var trailing = _comments.FirstOrDefault(comment => LineOf(comment.Start) == line - 1);
        return trailing != null ? Text([trailing]) : Preceding(line - 1);
    }

    // line: 0-based line of the declaration's first token.
    private string? Preceding(int line)
    {
        var block = new List<Comment>();
        while (_comments.LastOrDefault(comment => LineOf(comment.End - 1) == line - 1) is { } comment
            && IsAloneOnItsLines(comment))
        {
            block.Insert(0, comment);
            line = LineOf(comment.Start);
        }
        return block.Count > 0 ? Text(block) : null;
    }

    private bool IsAloneOnItsLines(Comment comment)
    {
        var lineStart = _lineStarts[LineOf(comment.Start)];
        var lineEnd = Array.IndexOf(_source, (byte)'\n', comment.End) is var newline and >= 0 ? newline : _source.Length;
        return _source.AsSpan(lineStart, comment.Start - lineStart).IndexOfAnyExcept(" \t"u8) < 0
            && _source.AsSpan(comment.End, lineEnd - comment.End).IndexOfAnyExcept(" \t\r"u8) < 0;
    }

    private int LineOf(int offset)
    {
        var index = _lineStarts.BinarySearch(offset);
        return index >= 0 ? index : ~index - 1;
    }

    private string? Text(IEnumerable<Comment> comments)
    {
        var lines = comments.SelectMany(comment => CommentLines(Encoding.UTF8.GetString(_source, comment.Start, comment.End - comment.Start)))
            .SkipWhile(line => line.Length == 0)
            .Reverse().SkipWhile(line => line.Length == 0).Reverse()
            .ToList();
        return lines.Count > 0 ? string.Join('\n', lines) : null;
    }

    // "/* a\n * b */" -> ["a", "b"]; "// a" -> ["a"]. The extra marker of /** and /*! is dropped,
    // and so is the leading '*' that decorates the continuation lines of a block comment.
    private static IEnumerable<string> CommentLines(string comment)
    {
        if (comment.StartsWith("//", StringComparison.Ordinal))
        {
            return [comment.TrimStart('/', '!').Trim()];
        }
        var body = comment[2..^2];
        if (body.StartsWith('*') || body.StartsWith('!'))
        {
            body = body[1..];
        }
        return body.Split('\n').Select((line, index) =>
        {
            var trimmed = line.Trim();
            return index > 0 && trimmed.StartsWith('*') ? trimmed[1..].TrimStart() : trimmed;
        });
    }

    // A small C lexer: comments, and the string and character literals that could hide "/*".
    private void ScanComments()
    {
        var i = 0;
        while (i < _source.Length)
        {
            var current = _source[i];
            var next = i + 1 < _source.Length ? _source[i + 1] : (byte)0;
            if (current == '/' && next == '*')
            {
                var close = _source.AsSpan(i + 2).IndexOf("*/"u8);
                var end = close < 0 ? _source.Length : i + 2 + close + 2;
                _comments.Add(new Comment(i, end));
                i = end;
            }
            else if (current == '/' && next == '/')
            {
                var newline = _source.AsSpan(i).IndexOf((byte)'\n');
                var end = newline < 0 ? _source.Length : i + newline;
                _comments.Add(new Comment(i, end));
                i = end;
            }
            else if (current is (byte)'"' or (byte)'\'')
            {
                i++;
                while (i < _source.Length && _source[i] != current && _source[i] != '\n')
                {
                    i += _source[i] == '\\' ? 2 : 1;
                }
                i++;
            }
            else
            {
                i++;
            }
        }
    }

    private sealed record Comment(int Start, int End);
}
