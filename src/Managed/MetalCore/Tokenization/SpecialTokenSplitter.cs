using System.Buffers;

namespace MetalCore.Tokenization;

/// <summary>A stretch of the input text: plain text, or one special token matched in it.</summary>
/// <param name="Start">UTF-16 offset in the input.</param>
/// <param name="Length">UTF-16 length (of the text, or of the token's text).</param>
/// <param name="Token">The special token's id, or -1 for plain text.</param>
internal readonly record struct Fragment(int Start, int Length, int Token)
{
    public bool IsText => Token < 0;
}

/// <summary>
/// Cuts the special tokens out of input text before the text is tokenized, as llama.cpp's
/// <c>tokenizer_st_partition</c> does: token by token, longest text first, every occurrence in
/// the remaining plain text. User-defined tokens are always matched; control and unknown tokens
/// only when special tokens are parsed. A token marked to strip whitespace on its left or right
/// swallows the ASCII whitespace there.
/// </summary>
internal sealed class SpecialTokenSplitter
{
    private readonly Vocabulary _vocabulary;
    private readonly int[] _alwaysMatched;
    private readonly int[] _all;

    // Most texts hold no special token at all: one multi-string search says so at once.
    private readonly SearchValues<string>? _alwaysMatchedTexts;
    private readonly SearchValues<string>? _allTexts;

    public SpecialTokenSplitter(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _all = [.. vocabulary.SpecialTokensLongestFirst];
        _alwaysMatched = Array.FindAll(_all, id => vocabulary.TypeOf(id) is not (TokenType.Control or TokenType.Unknown));
        _alwaysMatchedTexts = Search(vocabulary, _alwaysMatched);
        _allTexts = Search(vocabulary, _all);
    }

    public List<Fragment> Split(string text, bool parseSpecial)
    {
        var fragments = new List<Fragment>();
        if (text.Length == 0)
        {
            return fragments;
        }
        fragments.Add(new Fragment(0, text.Length, -1));
        var (tokens, texts) = parseSpecial ? (_all, _allTexts) : (_alwaysMatched, _alwaysMatchedTexts);
        if (texts is null || text.AsSpan().IndexOfAny(texts) < 0)
        {
            return fragments;
        }
        foreach (var id in tokens)
        {
            fragments = SplitOn(fragments, text, id, _vocabulary.TextOf(id), _vocabulary.StripAround(id));
        }
        return fragments;
    }

    private static SearchValues<string>? Search(Vocabulary vocabulary, int[] tokens) =>
        tokens.Length == 0 ? null : SearchValues.Create(tokens.Select(vocabulary.TextOf).ToArray(), StringComparison.Ordinal);

    private static List<Fragment> SplitOn(List<Fragment> fragments, string text, int id, string token, (bool Left, bool Right) strip)
    {
        List<Fragment>? result = null; // stays null while the token occurs nowhere
        for (var f = 0; f < fragments.Count; f++)
        {
            var fragment = fragments[f];
            var start = fragment.Start;
            var end = fragment.Start + fragment.Length;
            var match = fragment.IsText ? text.IndexOf(token, start, end - start, StringComparison.Ordinal) : -1;
            if (match < 0)
            {
                result?.Add(fragment);
                continue;
            }
            result ??= fragments.GetRange(0, f);
            while (match >= 0)
            {
                var leftEnd = match;
                while (strip.Left && leftEnd > start && IsAsciiSpace(text[leftEnd - 1]))
                {
                    leftEnd--;
                }
                if (leftEnd > start)
                {
                    result.Add(new Fragment(start, leftEnd - start, -1));
                }
                result.Add(new Fragment(match, token.Length, id));
                start = match + token.Length;
                while (strip.Right && start < end && IsAsciiSpace(text[start]))
                {
                    start++;
                }
                match = start < end ? text.IndexOf(token, start, end - start, StringComparison.Ordinal) : -1;
            }
            if (start < end)
            {
                result.Add(new Fragment(start, end - start, -1));
            }
        }
        return result ?? fragments;
    }

    /// <summary>C's <c>isspace</c> in the "C" locale, which llama.cpp uses for stripping.</summary>
    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
