using System.Text;
using System.Text.RegularExpressions;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// The pre-tokenizers (hand-written scanners, collapsed-text regexes, one-char-per-codepoint
/// regexes) against an independent oracle: the same regexes run by .NET's Unicode-aware regex
/// engine, one after the other on the pieces of the previous one. .NET sees UTF-16, so the
/// oracle runs on a copy of the text in which every supplementary-plane character is replaced
/// by a Basic Multilingual Plane character that every regex treats alike (same category, same
/// membership in the explicit character classes); word boundaries then line up codepoint for
/// codepoint. One documented llama.cpp rule is applied to the oracle's input as well: a regex
/// without Unicode classes sees every non-ASCII whitespace codepoint as U+000B (llama.cpp's
/// <c>unicode_regex_split</c>, because <c>std::wregex</c>'s <c>\s</c> is ASCII-only), so that
/// U+3000 is whitespace and not a member of DeepSeek's <c>[\u3000-\u3002]</c> range.
/// </summary>
[TestFixture]
public class PreTokenizerDifferentialTests
{
    /// <summary>Supplementary-plane characters and their same-behaving BMP stand-ins.</summary>
    private static readonly Dictionary<int, char> s_standIns = new()
    {
        [0x1F600] = '\u00A9', // emoji (So) -> copyright sign (So)
        [0x1D400] = '\u0710', // mathematical bold A (L, in no explicit class) -> Syriac alaph (L, in none)
        [0x20000] = '\u0710', // CJK extension B ideograph (L, outside the BMP CJK classes) -> Syriac alaph
        [0x1D7D9] = '\u0663', // mathematical double-struck 1 (Nd) -> Arabic-Indic 3 (Nd)
        [0x10400] = '\u0100', // Deseret capital long I (Lu, in DeepSeek-LLM's letter class) -> A with macron (Lu, in it)
    };

    /// <summary>What random test strings are made of: every kind of codepoint the rules tell apart.</summary>
    private static readonly int[] s_alphabet =
    [
        'a', 'b', 'e', 's', 't', 'r', 'v', 'l', 'm', 'd', 'S', 'T', 'R', 'E', 'L', 'D', 'Z',
        '0', '1', '2', '9', ' ', ' ', ' ', '\t', '\n', '\n', '\r', '\'', '\'', '.', ',', '!', '?', '$', '+', '~', '`',
        '|', '<', '=', '>', '^', '-', '_', '(', ')', '"', '#', '@',
        0xE9, 0x436, 0x4E2D, 0x643, 0xAC00, 0x3042, // é ж 中 ك 가 あ
        0x663, 0x216B, 0xBD, 0xB2,                   // ٣ Ⅻ ½ ²
        0x301, 0xA0, 0x3000, 0x2028, 0x85, 0x7, 0x200D, 0xE000, 0x378, 0xA9, 0x2122, 0xFF01, 0x2018, 0x3001,
        0x1F600, 0x1D400, 0x20000, 0x1D7D9, 0x10400,
    ];

    private static readonly string[] s_presets =
        ["default", "gpt-2", "llama3", "qwen2", "deepseek-coder", "deepseek-llm", "falcon", "starcoder"];

    /// <summary>The regexes as their models' tokenizer.json files have them (llama.cpp's adaptations aside).</summary>
    private static readonly Dictionary<string, string> s_originalRegexes = new()
    {
        ["gpt-2"] = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
        ["llama3"] = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        ["qwen2"] = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    };

    private static IEnumerable<string> Presets => s_presets;

    [TestCaseSource(nameof(Presets))]
    public void SplitsRandomTextLikeTheUnicodeRegexEngine(string preset)
    {
        var preTokenizer = PreTokenizerWords.Preset(preset);
        var oracle = OracleOf(preset);
        var random = new Random(20240601 + preset.Length);
        for (var n = 0; n < 3000; n++)
        {
            var text = RandomText(random);

            var words = PreTokenizerWords.Of(preTokenizer, text);

            Assert.That(words, Is.EqualTo(oracle(text)), () => $"text: {Escape(text)}");
        }
    }

    [TestCaseSource(nameof(Presets))]
    public void SplitsTheSuiteStringsLikeTheUnicodeRegexEngine(string preset)
    {
        var preTokenizer = PreTokenizerWords.Preset(preset);
        var oracle = OracleOf(preset);
        var inputs = LlamaCppSuite.Gpt2.Inputs();
        if (inputs.Count == 0)
        {
            Infrastructure.Fixtures.Require(LlamaCppSuite.Gpt2.InputFile);
        }
        foreach (var text in inputs.Where(t => !t.EnumerateRunes().Any(r => !r.IsBmp && !s_standIns.ContainsKey(r.Value))))
        {
            Assert.That(PreTokenizerWords.Of(preTokenizer, text), Is.EqualTo(oracle(text)), () => $"text: {Escape(text)}");
        }
    }

    [Test]
    public void AnEmojiBeforeLettersJoinsThemAsOneCodepointNotTwoSurrogates()
    {
        // [^\r\n\p{L}\p{N}]?\p{L}+ takes one non-letter codepoint before letters: the whole emoji.
        Assert.That(PreTokenizerWords.Of("qwen2", "\U0001F600abc"), Is.EqualTo(new[] { "\U0001F600abc" }));
        Assert.That(PreTokenizerWords.Of("llama3", "\U0001F600abc"), Is.EqualTo(new[] { "\U0001F600abc" }));
    }

    /// <summary>The oracle: .NET regexes (each preset's list, or the model's original regex) on the stand-in text.</summary>
    private static Func<string, string[]> OracleOf(string preset)
    {
        var patterns = s_originalRegexes.TryGetValue(preset, out var original)
            ? [original]
            : LlamaCppPreTokenizers.ForName(preset).Patterns.Select(WithoutSupplementaryRanges).ToArray();
        var regexes = patterns.Select(p => (Regex: new Regex(p, RegexOptions.CultureInvariant), UsesClasses: p.Contains(@"\p{"))).ToArray();
        return text =>
        {
            var codepoints = text.EnumerateRunes().Select(r => r.Value).ToArray();
            var standIn = new string(codepoints.Select(c => c <= 0xFFFF ? (char)c : s_standIns[c]).ToArray());
            var asciiWhitespace = new string(standIn.Select(c => c > 0x7F && char.IsWhiteSpace(c) ? '\v' : c).ToArray());
            var pieces = new List<(int Start, int Length)> { (0, standIn.Length) };
            if (standIn.Length == 0)
            {
                pieces.Clear();
            }
            foreach (var (regex, usesClasses) in regexes)
            {
                var subject = usesClasses ? standIn : asciiWhitespace;
                pieces = pieces.SelectMany(piece => SplitWithGaps(regex, subject, piece)).ToList();
            }
            return pieces.Select(p => CodepointsToString(codepoints, p.Start, p.Length)).ToArray();
        };
    }

    private static IEnumerable<(int Start, int Length)> SplitWithGaps(Regex regex, string text, (int Start, int Length) piece)
    {
        var end = piece.Start;
        for (var match = regex.Match(text, piece.Start, piece.Length); match.Success; match = match.NextMatch())
        {
            if (match.Index > end)
            {
                yield return (end, match.Index - end);
            }
            yield return (match.Index, match.Length);
            end = match.Index + match.Length;
        }
        if (end < piece.Start + piece.Length)
        {
            yield return (end, piece.Start + piece.Length - end);
        }
    }

    /// <summary>The oracle's text has no supplementary-plane characters, so their ranges can go (.NET cannot parse them).</summary>
    private static string WithoutSupplementaryRanges(string pattern) =>
        Regex.Replace(pattern, @"[\uD800-\uDBFF][\uDC00-\uDFFF]-[\uD800-\uDBFF][\uDC00-\uDFFF]", "");

    private static string CodepointsToString(int[] codepoints, int start, int length)
    {
        var builder = new StringBuilder();
        foreach (var c in codepoints.AsSpan(start, length))
        {
            builder.Append(char.ConvertFromUtf32(c));
        }
        return builder.ToString();
    }

    private static string RandomText(Random random)
    {
        var builder = new StringBuilder();
        var length = random.Next(0, 24);
        for (var i = 0; i < length; i++)
        {
            builder.Append(char.ConvertFromUtf32(s_alphabet[random.Next(s_alphabet.Length)]));
        }
        return builder.ToString();
    }

    private static string Escape(string text) =>
        string.Concat(text.EnumerateRunes().Select(r => r.Value is >= 0x20 and < 0x7F ? r.ToString() : $"\\u{{{r.Value:X}}}"));
}
