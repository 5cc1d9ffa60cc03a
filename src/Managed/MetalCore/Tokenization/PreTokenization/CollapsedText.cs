using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// llama.cpp's "collapsed" form of text and regexes (unicode.cpp, <c>unicode_regex_split</c>):
/// every codepoint becomes one character, ASCII as itself and anything else as a code for its
/// category, so that a regex engine without Unicode classes can run Unicode-class regexes.
/// <c>\p{L}</c> in a regex becomes "the letter code or A-Za-z", and so on. Doing the same here
/// reproduces llama.cpp's splits exactly, including its quirks (it counts '~' as neither
/// punctuation nor symbol, for instance).
/// </summary>
internal static class CollapsedText
{
    // Private-use characters stand for the categories: no real character survives collapsing
    // outside ASCII, so they cannot be confused with text.
    private const char OtherCode = '\uE0D0';
    private const char NumberCode = '\uE0D1';
    private const char LetterCode = '\uE0D2';
    private const char PunctuationCode = '\uE0D3';
    private const char MarkCode = '\uE0D4';
    private const char SymbolCode = '\uE0D5';

    /// <summary>The class contents each supported <c>\p{...}</c> collapses to: its code, then its ASCII members.</summary>
    private static readonly Dictionary<string, string> s_classes = new(StringComparer.Ordinal)
    {
        [@"\p{N}"] = NumberCode + "0-9",
        [@"\p{L}"] = LetterCode + "A-Za-z",
        [@"\p{Lu}"] = LetterCode + "A-Za-z",
        [@"\p{Ll}"] = LetterCode + "A-Za-z",
        [@"\p{Lt}"] = LetterCode + "A-Za-z",
        [@"\p{Lm}"] = LetterCode + "A-Za-z",
        [@"\p{Lo}"] = LetterCode + "A-Za-z",
        [@"\p{P}"] = PunctuationCode + @"!-#%-*,-/:-;?-@\[-\]_\{\}",
        [@"\p{M}"] = MarkCode.ToString(),
        [@"\p{S}"] = SymbolCode + @"\$\+<->\^`\|",
    };

    /// <summary>True when a regex uses Unicode classes, so that it must run on the collapsed text.</summary>
    public static bool UsesCategories(string pattern) => s_classes.Keys.Any(pattern.Contains);

    /// <summary>The collapsed text: one character per codepoint.</summary>
    public static string Build(CodepointText text)
    {
        return string.Create(text.Count, text, static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Collapse(source.Codepoints[i]);
            }
        });
    }

    /// <summary>The regex rewritten for the collapsed text.</summary>
    /// <exception cref="ArgumentException">The regex mixes Unicode classes and non-ASCII characters, or uses an unsupported class.</exception>
    public static string TranslatePattern(string pattern)
    {
        if (pattern.Any(c => c > 0x7F))
        {
            throw new ArgumentException(
                $"Pre-tokenizer regex '{pattern}' mixes Unicode classes and non-ASCII characters, which llama.cpp does not support either.",
                nameof(pattern));
        }

        var result = new StringBuilder(pattern.Length * 2);
        var insideClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            var escaped = i > 0 && pattern[i - 1] == '\\';
            if (c == '[' && !escaped)
            {
                insideClass = true;
            }
            else if (c == ']' && insideClass && !escaped)
            {
                insideClass = false;
            }
            else if (c == '\\' && i + 2 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                var close = pattern.IndexOf('}', i);
                var name = close < 0 ? pattern[i..] : pattern[i..(close + 1)];
                if (!s_classes.TryGetValue(name, out var members))
                {
                    throw new ArgumentException($"Pre-tokenizer regex '{pattern}' uses the unsupported class '{name}'.", nameof(pattern));
                }
                result.Append(insideClass ? members : $"[{members}]");
                i = close;
                continue;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    private static char Collapse(int codepoint)
    {
        if (codepoint < 0x80)
        {
            return (char)codepoint;
        }
        var flags = CodepointClassifier.Classify(codepoint);
        if ((flags & CodepointFlags.Whitespace) != 0)
        {
            return '\v'; // any non-ASCII whitespace, so that \s still matches it
        }
        return (flags & CodepointFlags.CategoryMask) switch
        {
            CodepointFlags.Number => NumberCode,
            CodepointFlags.Letter => LetterCode,
            CodepointFlags.Punctuation => PunctuationCode,
            CodepointFlags.Mark => MarkCode,
            CodepointFlags.Symbol => SymbolCode,
            _ => OtherCode,
        };
    }
}
