using System.Text;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Special tokens in prompts (matched only when asked, except added tokens that are not special)
/// and byte fallback, on the real vocabularies of the fixtures.
/// </summary>
[TestFixture]
public class SpecialTokenAndByteFallbackTests
{
    private const int QwenEndOfText = 151643, QwenImStart = 151644, QwenImEnd = 151645, QwenThink = 151667;

    [Test]
    public void QwenChatMarkersAreTokensOnlyWhenSpecialTokensAreParsed()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);
        var plain = qwen.Encode("user");

        Assert.Multiple(() =>
        {
            Assert.That(qwen.Encode("<|im_start|>user<|im_end|>", parseSpecial: true), Is.EqualTo((int[])[QwenImStart, .. plain, QwenImEnd]));
            var unparsed = qwen.Encode("<|im_start|>user", parseSpecial: false);
            Assert.That(unparsed, Does.Not.Contain(QwenImStart));
            Assert.That(qwen.Decode(unparsed), Is.EqualTo("<|im_start|>user"));
        });
    }

    [Test]
    public void QwenThinkingMarkersAreAlwaysTokensAsInHuggingFace()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);

        Assert.That(qwen.Encode("<think>", parseSpecial: false), Is.EqualTo(new[] { QwenThink }));
        Assert.That(qwen.Decode([QwenThink]), Is.EqualTo("<think>"));
    }

    [Test]
    public void ControlTokensDecodeToTextOnlyWhenRendered()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);

        Assert.That(qwen.Decode([QwenImStart]), Is.Empty);
        Assert.That(qwen.Decode([QwenImStart], renderSpecial: true), Is.EqualTo("<|im_start|>"));
    }

    [Test]
    public void QwenStopsAtEndOfTextAndEndOfTurn()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);

        Assert.That(qwen.EosTokenId, Is.EqualTo(QwenImEnd));
        Assert.That(qwen.EndOfGenerationTokenIds, Is.SupersetOf(new[] { QwenEndOfText, QwenImEnd }));
        Assert.That(qwen.AddsBosToken, Is.False);
    }

    [Test]
    public void LlamaBosIsParsedOnlyWhenAskedAndTheTextAfterItGetsItsSpacePrefix()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        Assert.That(llama.TryGetTokenId("\u2581hi", out var spaceHi), Is.True);

        Assert.That(llama.Encode("<s>hi", parseSpecial: true), Is.EqualTo(new[] { 1, spaceHi }));
        Assert.That(llama.Encode("<s>hi", parseSpecial: false), Does.Not.Contain(1));
    }

    [TestCase("\U0001D518")] // MATHEMATICAL FRAKTUR CAPITAL U: F0 9D 94 98
    [TestCase("\u0D9E")]     // SINHALA LETTER KANTAJA NAASIKYAYA: E0 B6 9E
    public void LlamaSpellsCharactersOutsideItsVocabularyWithByteTokens(string character)
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        Assume.That(llama.TryGetTokenId(character, out _), Is.False, "the character must not be a token of its own");
        Assert.That(llama.TryGetTokenId("\u2581", out var space), Is.True);

        var ids = llama.Encode(character);

        var expectedBytes = Encoding.UTF8.GetBytes(character).Select(b => $"<0x{b:X2}>");
        Assert.That(ids[0], Is.EqualTo(space));
        Assert.That(ids[1..].Select(llama.GetTokenText), Is.EqualTo(expectedBytes));
        Assert.That(llama.Decode(ids), Is.EqualTo(character));
    }

    [Test]
    public void LlamaAddsBosByItsMetadata()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);

        Assert.That((llama.AddsBosToken, llama.AddsEosToken), Is.EqualTo((true, false)));
        Assert.That(llama.Encode("hi", addSpecial: true)[0], Is.EqualTo(llama.BosTokenId));
    }
}
