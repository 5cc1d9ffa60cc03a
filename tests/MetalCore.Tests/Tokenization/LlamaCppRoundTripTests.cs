using System.Text;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// The round trips of llama.cpp's test-tokenizer-1-spm / -bpe on the suites' vocabularies:
/// every token's text tokenizes to tokens that decode to that text again, and every Unicode
/// codepoint (surrogates and the unassigned planes 4-13 aside) decodes back to itself.
/// </summary>
[TestFixture]
public class LlamaCppRoundTripTests
{
    private const int SentencePieceSpace = 0x2581; // '▁' decodes to a space: the one codepoint llama.cpp exempts

    private static IEnumerable<LlamaCppSuite> Suites => LlamaCppSuite.All;

    [TestCaseSource(nameof(Suites))]
    public void EveryTokenTextTokenizesBackToItself(LlamaCppSuite suite)
    {
        var tokenizer = SuiteTokenizers.For(suite);
        var failures = new List<string>();
        for (var id = 0; id < tokenizer.VocabularySize; id++)
        {
            var text = tokenizer.Decode([id], renderSpecial: true);
            if (text.Contains('\uFFFD'))
            {
                continue; // a token holding part of a character is not text (llama.cpp skips these too)
            }
            var again = tokenizer.Decode(tokenizer.Encode(text, parseSpecial: true), renderSpecial: true);
            if (again != text && failures.Count < 10)
            {
                failures.Add($"token {id} '{text}' came back as '{again}'");
            }
        }
        Assert.That(failures, Is.Empty);
    }

    [TestCaseSource(nameof(Suites))]
    public void EveryCodepointDecodesBackToItself(LlamaCppSuite suite)
    {
        var tokenizer = SuiteTokenizers.For(suite);
        var failures = new List<string>();
        for (var codepoint = 0; codepoint < 0x110000; codepoint++)
        {
            if (codepoint is >= 0xD800 and <= 0xDFFF or >= 0x40000 and <= 0xE0000 or SentencePieceSpace)
            {
                continue;
            }
            var text = new Rune(codepoint).ToString();
            var again = tokenizer.Decode(tokenizer.Encode(text));
            if (again != text && failures.Count < 10)
            {
                failures.Add($"U+{codepoint:X4} came back as '{again}'");
            }
        }
        Assert.That(failures, Is.Empty);
    }
}
