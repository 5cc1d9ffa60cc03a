using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// Text as one UTF-16 character per codepoint, for regexes that name characters directly
/// instead of Unicode classes (llama.cpp runs those through <c>std::wregex</c> on UTF-32).
/// Non-ASCII whitespace becomes <c>\v</c> as in llama.cpp. Codepoints outside the Basic
/// Multilingual Plane do not fit in one character: each range of them that the regex names
/// gets a placeholder (a Unicode noncharacter, U+FDD0 upwards) in both the regex and the text,
/// and every other such codepoint becomes U+FDEF, which no regex names.
/// </summary>
internal static class WideText
{
    private const char FirstPlaceholder = '\uFDD0';
    private const char Unnamed = '\uFDEF';

    /// <summary>The ranges of supplementary-plane codepoints a regex names, in placeholder order.</summary>
    internal sealed class AstralRanges(IReadOnlyList<(int First, int Last)> ranges)
    {
        public char PlaceholderOf(int codepoint)
        {
            for (var i = 0; i < ranges.Count; i++)
            {
                if (codepoint >= ranges[i].First && codepoint <= ranges[i].Last)
                {
                    return (char)(FirstPlaceholder + i);
                }
            }
            return Unnamed;
        }
    }

    /// <summary>The regex with each supplementary-plane character or range replaced by its placeholder.</summary>
    public static (string Pattern, AstralRanges Ranges) TranslatePattern(string pattern)
    {
        var ranges = new List<(int First, int Last)>();
        var result = new StringBuilder(pattern.Length);
        var runes = pattern.EnumerateRunes().ToArray();
        var insideClass = false;
        for (var i = 0; i < runes.Length; i++)
        {
            var rune = runes[i];
            var escaped = i > 0 && runes[i - 1].Value == '\\';
            if (rune.Value == '[' && !escaped)
            {
                insideClass = true;
            }
            else if (rune.Value == ']' && !escaped)
            {
                insideClass = false;
            }
            if (rune.IsBmp)
            {
                result.Append((char)rune.Value);
                continue;
            }

            var last = rune.Value;
            if (insideClass && i + 2 < runes.Length && runes[i + 1].Value == '-' && !runes[i + 2].IsBmp)
            {
                last = runes[i + 2].Value;
                i += 2;
            }
            if (ranges.Count == Unnamed - FirstPlaceholder)
            {
                throw new ArgumentException($"Pre-tokenizer regex '{pattern}' names too many supplementary-plane ranges.", nameof(pattern));
            }
            result.Append((char)(FirstPlaceholder + ranges.Count));
            ranges.Add((rune.Value, last));
        }
        return (result.ToString(), new AstralRanges(ranges));
    }

    /// <summary>The text with one character per codepoint, for a regex translated by <see cref="TranslatePattern"/>.</summary>
    public static string Of(CodepointText text, AstralRanges ranges)
    {
        return string.Create(text.Count, (text, ranges), static (chars, state) =>
        {
            var (source, astral) = state;
            for (var i = 0; i < chars.Length; i++)
            {
                var codepoint = source.Codepoints[i];
                chars[i] = codepoint switch
                {
                    < 0x80 => (char)codepoint,
                    _ when CodepointClassifier.IsWhitespace(codepoint) => '\v',
                    >= FirstPlaceholder and <= Unnamed => Unnamed,
                    <= 0xFFFF => (char)codepoint,
                    _ => astral.PlaceholderOf(codepoint),
                };
            }
        });
    }
}
