namespace MetalCore.Tokenization;

/// <summary>
/// A split rule written as a scanner instead of a regex (llama.cpp hand-writes its most used
/// pre-tokenizer regexes this way, and their exact behaviour is what model files are tested
/// against): <see cref="MatchEnd"/> returns where the word starting at a position ends.
/// Every codepoint of a piece ends up in exactly one word.
/// </summary>
internal abstract class ScanningSplitRule : ISplitRule
{
    public void Split(CodepointText text, List<int> pieces, List<int> result)
    {
        var start = 0;
        foreach (var length in pieces)
        {
            var piece = new PieceScanner(text.Codepoints, start, start + length);
            for (var position = start; position < piece.End;)
            {
                var end = MatchEnd(piece, position);
                result.Add(end - position);
                position = end;
            }
            start += length;
        }
    }

    /// <summary>The end (exclusive, greater than <paramref name="position"/>) of the word starting at <paramref name="position"/>.</summary>
    protected abstract int MatchEnd(in PieceScanner piece, int position);

    /// <summary>
    /// Length of an English contraction ('s 't 're 've 'm 'll 'd) at a position, or 0. The GPT-2
    /// rule is case-sensitive; the Llama 3 one is not (its regex spells both cases out).
    /// </summary>
    protected static int ContractionLength(in PieceScanner piece, int position, bool ignoreCase)
    {
        if (piece.Codepoint(position) != '\'')
        {
            return 0;
        }
        var next = Fold(piece.Codepoint(position + 1), ignoreCase);
        if (next is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }
        var nextNext = Fold(piece.Codepoint(position + 2), ignoreCase);
        return (next, nextNext) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    private static int Fold(int codepoint, bool ignoreCase) =>
        ignoreCase && codepoint is >= 'A' and <= 'Z' ? codepoint + ('a' - 'A') : codepoint;
}

/// <summary>Read access to one piece of the text; positions outside it read as "nothing".</summary>
internal readonly ref struct PieceScanner
{
    /// <summary>What <see cref="Codepoint"/> returns outside the piece.</summary>
    public const int OutOfRange = -1;

    private readonly ReadOnlySpan<int> _codepoints;
    private readonly int _start;

    public PieceScanner(ReadOnlySpan<int> codepoints, int start, int end)
    {
        _codepoints = codepoints;
        _start = start;
        End = end;
    }

    public int End { get; }

    public int Codepoint(int position) =>
        position >= _start && position < End ? _codepoints[position] : OutOfRange;

    public CodepointFlags Flags(int position) =>
        position >= _start && position < End ? CodepointClassifier.Classify(_codepoints[position]) : CodepointFlags.None;

    /// <summary>The first position at or after <paramref name="position"/> whose flags include none of <paramref name="flags"/>.</summary>
    public int SkipAny(int position, CodepointFlags flags)
    {
        while ((Flags(position) & flags) != 0)
        {
            position++;
        }
        return position;
    }

    /// <summary>The first position at or after <paramref name="position"/> that is outside the piece or has one of <paramref name="flags"/>.</summary>
    public int SkipNone(int position, CodepointFlags flags)
    {
        while (Flags(position) is var f && f != CodepointFlags.None && (f & flags) == 0)
        {
            position++;
        }
        return position;
    }

    /// <summary>How many whitespace codepoints start at a position.</summary>
    public int WhitespaceRun(int position) => SkipAny(position, CodepointFlags.Whitespace) - position;
}
