using System.Text.RegularExpressions;

namespace MetalCore.Tokenization;

/// <summary>
/// A split rule given as a regex, matched the way llama.cpp matches the pre-tokenizer regexes it
/// has no scanner for: every match becomes a word and so does every stretch between matches.
/// </summary>
/// <remarks>
/// llama.cpp runs these through <c>std::regex</c> (ECMAScript) on one character per codepoint.
/// A regex using Unicode classes (<c>\p{L}</c> ...) runs on the "collapsed" text, where every
/// non-ASCII codepoint is replaced by a code for its category (see <see cref="CollapsedText"/>);
/// any other regex runs on the codepoints themselves, non-ASCII whitespace turned into
/// <c>\v</c>. .NET regexes see UTF-16, so the codepoint form here puts one UTF-16 character per
/// codepoint: codepoints outside the Basic Multilingual Plane become placeholders
/// (<see cref="WideText"/>). The .NET regex runs in ECMAScript mode, which gives <c>\s</c> the
/// same (ASCII) meaning it has in llama.cpp.
/// </remarks>
internal sealed class RegexSplitRule : ISplitRule
{
    private readonly Regex _regex;
    private readonly Func<CodepointText, string> _subject;

    /// <param name="pattern">The regex as llama.cpp's pre-tokenizer lists spell it.</param>
    public RegexSplitRule(string pattern)
    {
        string translated;
        if (CollapsedText.UsesCategories(pattern))
        {
            translated = CollapsedText.TranslatePattern(pattern);
            _subject = static text => text.Collapsed;
        }
        else
        {
            (translated, var astralRanges) = WideText.TranslatePattern(pattern);
            _subject = text => WideText.Of(text, astralRanges);
        }
        _regex = new Regex(translated, RegexOptions.ECMAScript | RegexOptions.Compiled);
    }

    public void Split(CodepointText text, List<int> pieces, List<int> result)
    {
        var subject = _subject(text);
        var start = 0;
        foreach (var length in pieces)
        {
            var previousEnd = start;
            for (var match = _regex.Match(subject, start, length); match.Success; match = match.NextMatch())
            {
                if (match.Length == 0)
                {
                    continue;
                }
                if (match.Index > previousEnd)
                {
                    result.Add(match.Index - previousEnd);
                }
                result.Add(match.Length);
                previousEnd = match.Index + match.Length;
            }
            if (previousEnd < start + length)
            {
                result.Add(start + length - previousEnd);
            }
            start += length;
        }
    }
}
