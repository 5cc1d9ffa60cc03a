namespace MetalCore.Tokenization;

/// <summary>
/// GPT-2's pre-tokenizer regex,
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>,
/// as the scanner llama.cpp uses for it (<c>unicode_regex_split_custom_gpt2</c>).
/// </summary>
internal sealed class Gpt2SplitRule : ScanningSplitRule
{
    /// <summary>The regex as llama.cpp's pre-tokenizer lists spell it; it selects this scanner.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    protected override int MatchEnd(in PieceScanner piece, int position)
    {
        var contraction = ContractionLength(piece, position, ignoreCase: false);
        if (contraction > 0)
        {
            return position + contraction;
        }

        // " ?X+": an optional leading space joins a run of letters, of numbers, or of other symbols.
        var leadingSpace = piece.Codepoint(position) == ' ' ? 1 : 0;
        var first = piece.Flags(position + leadingSpace);
        if ((first & CodepointFlags.Letter) != 0)
        {
            return piece.SkipAny(position + leadingSpace, CodepointFlags.Letter);
        }
        if ((first & CodepointFlags.Number) != 0)
        {
            return piece.SkipAny(position + leadingSpace, CodepointFlags.Number);
        }
        if (first != CodepointFlags.None && (first & WordLike) == 0)
        {
            return piece.SkipNone(position + leadingSpace, WordLike);
        }

        // "\s+(?!\S)": a whitespace run followed by a word leaves its last space to that word.
        var whitespace = piece.WhitespaceRun(position);
        if (whitespace > 1 && piece.Codepoint(position + whitespace) != PieceScanner.OutOfRange)
        {
            return position + whitespace - 1;
        }
        return position + Math.Max(whitespace, 1);
    }
}
