using System.Text;
using System.Text.RegularExpressions;
using MetalCore.Tests.Infrastructure;
using MlRegexPreTokenizer = Microsoft.ML.Tokenizers.RegexPreTokenizer;
using MlTiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// The Qwen tokenizer (merges derived from qwen.tiktoken, llama.cpp's qwen2 pre-tokenizer)
/// against an independent implementation: Microsoft.ML.Tokenizers' tiktoken BPE, which merges by
/// the ranks of the file directly, with Qwen's regex from its tokenizer.json run by .NET's
/// Unicode regex engine. .NET regexes see UTF-16, so the texts stay in the Basic Multilingual
/// Plane, where both engines see the same characters.
/// </summary>
[TestFixture]
public class MicrosoftTokenizersDifferentialTests
{
    private const string QwenRegex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Lazy<MlTiktokenTokenizer> s_reference = new(() => MlTiktokenTokenizer.Create(
        Fixtures.Require("tokenizers/qwen.tiktoken"),
        new MlRegexPreTokenizer(new Regex(QwenRegex, RegexOptions.Compiled), null),
        normalizer: null));

    /// <summary>Pieces random texts are made of: words that merge, scripts, digits, whitespace and punctuation runs.</summary>
    private static readonly string[] s_pieces =
    [
        "the", " the", "The", " quick", " brown", "fox", "ing", "tion", "'s", "'LL", "'Re", " don't", "hello", "world",
        "123", "4567", "0", " 42", "3.14", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00A0", "\u3000",
        "!", "?!", "...", "(", ")", "{\n", "};", "==", "->", "~", "`", "$", "#", "@", "\"", "'",
        "é", "naïve", "Ångström", "жизнь", " Привет", "中文", "日本語", "한국어", "العربية", "ελληνικά", "हिन्दी", "ไทย",
        "①", "½", "²", "™", "©", "\u0301", "\u200D", "\uFF01", "\uFF21\uFF22",
    ];

    [Test]
    public void EncodesRandomTextLikeMicrosoftMLTiktoken()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);
        var random = new Random(314159);
        for (var n = 0; n < 2000; n++)
        {
            var builder = new StringBuilder();
            for (var i = random.Next(1, 16); i > 0; i--)
            {
                builder.Append(s_pieces[random.Next(s_pieces.Length)]);
            }
            var text = builder.ToString();

            Assert.That(qwen.Encode(text), Is.EqualTo(s_reference.Value.EncodeToIds(text)), () => $"text: '{text}'");
        }
    }

    [Test]
    public void EncodesTheSuiteStringsLikeMicrosoftMLTiktoken()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);
        foreach (var text in LlamaCppSuite.Qwen2.Inputs().Where(t => t.EnumerateRunes().All(r => r.IsBmp)))
        {
            Assert.That(qwen.Encode(text), Is.EqualTo(s_reference.Value.EncodeToIds(text)), () => $"text: '{text}'");
        }
    }
}
