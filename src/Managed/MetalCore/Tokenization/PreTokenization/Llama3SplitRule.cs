namespace MetalCore.Tokenization;

/// <summary>
/// Llama 3's pre-tokenizer regex,
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// as the scanner llama.cpp uses for it (<c>unicode_regex_split_custom_llama3</c>).
/// </summary>
internal sealed class Llama3SplitRule : ScanningSplitRule
{
    /// <summary>The regex as llama.cpp's pre-tokenizer lists spell it; it selects this scanner.</summary>
    public const string Pattern =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    protected override int MatchEnd(in PieceScanner piece, int position)
    {
        var contraction = ContractionLength(piece, position, ignoreCase: true);
        if (contraction > 0)
        {
            return position + contraction;
        }

        var codepoint = piece.Codepoint(position);
        var flags = piece.Flags(position);

        // "[^\r\n\p{L}\p{N}]?\p{L}+": letters, optionally led by one codepoint that is none of those.
        if (codepoint is not ('\r' or '\n') && (flags & CodepointFlags.Number) == 0
            && ((flags | piece.Flags(position + 1)) & CodepointFlags.Letter) != 0)
        {
            return piece.SkipAny(position + 1, CodepointFlags.Letter);
        }

        // "\p{N}{1,3}": numbers in groups of at most three.
        if ((flags & CodepointFlags.Number) != 0)
        {
            return Math.Min(piece.SkipAny(position, CodepointFlags.Number), position + 3);
        }

        // " ?[^\s\p{L}\p{N}]+[\r\n]*"
        var leadingSpace = codepoint == ' ' ? 1 : 0;
        if ((piece.Flags(position + leadingSpace) & WordLike) == 0)
        {
            var end = piece.SkipNone(position + leadingSpace, WordLike);
            while (piece.Codepoint(end) is '\r' or '\n')
            {
                end++;
            }
            return end;
        }

        // "\s*[\r\n]+": whitespace up to and including its last line break.
        var whitespace = piece.WhitespaceRun(position);
        for (var last = position + whitespace - 1; last >= position; last--)
        {
            if (piece.Codepoint(last) is '\r' or '\n')
            {
                return last + 1;
            }
        }

        // "\s+(?!\S)|\s+"
        if (whitespace > 1 && piece.Codepoint(position + whitespace) != PieceScanner.OutOfRange)
        {
            return position + whitespace - 1;
        }
        return position + Math.Max(whitespace, 1);
    }
}
