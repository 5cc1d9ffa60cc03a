using System.Text;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Streaming detokenization: characters whose UTF-8 bytes are spread over several tokens (byte
/// fallback, byte-level BPE) come out whole, once their last byte arrives, and the pieces add up
/// to what <c>Decode</c> gives.
/// </summary>
[TestFixture]
public class StreamingDecoderTests
{
    private static IEnumerable<LlamaCppSuite> Suites => LlamaCppSuite.All;

    [Test]
    public void AByteFallbackCharacterComesOutWhenItsLastByteArrives()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        var ids = llama.Encode("a\U0001D518b"); // ▁a, <0xF0> <0x9D> <0x94> <0x98>, b
        Assume.That(ids.Skip(1).Take(4).Select(llama.GetTokenText), Is.EqualTo(new[] { "<0xF0>", "<0x9D>", "<0x94>", "<0x98>" }));

        var decoder = llama.CreateStreamingDecoder();
        var pieces = ids.Select(decoder.Append).ToArray();

        Assert.That(pieces, Is.EqualTo(new[] { "a", "", "", "", "\U0001D518", "b" }));
        Assert.That(decoder.Flush(), Is.Empty);
    }

    [TestCaseSource(nameof(Suites))]
    public void EveryPieceIsWholeTextAndThePiecesAddUpToTheDecodedText(LlamaCppSuite suite)
    {
        var tokenizer = SuiteTokenizers.For(suite);
        var heldBack = 0;
        foreach (var text in suite.Inputs())
        {
            var decoder = tokenizer.CreateStreamingDecoder();
            var streamed = new StringBuilder();
            foreach (var id in tokenizer.Encode(text))
            {
                var piece = decoder.Append(id);
                Assert.That(IsWellFormed(piece), Is.True, () => $"{suite}: a piece of '{text}' holds a broken character");
                Assert.That(piece, Does.Not.Contain('\uFFFD'), () => $"{suite}: a piece of '{text}' holds U+FFFD");
                heldBack += piece.Length == 0 && tokenizer.Decode([id]).Length > 0 ? 1 : 0;
                streamed.Append(piece);
            }
            streamed.Append(decoder.Flush());

            Assert.That(streamed.ToString(), Is.EqualTo(text));
        }
        Assert.That(heldBack, Is.Positive, "the suite must split some character over tokens for this test to mean anything");
    }

    [Test]
    public void ACharacterCutOffAtTheEndBecomesAReplacementCharacterOnFlush()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        Assert.That(llama.TryGetTokenId("<0xF0>", out var f0), Is.True);
        Assert.That(llama.TryGetTokenId("<0x9D>", out var x9d), Is.True);

        var decoder = llama.CreateStreamingDecoder();

        Assert.That(decoder.Append(f0) + decoder.Append(x9d), Is.Empty);
        Assert.That(decoder.Flush(), Is.EqualTo("\uFFFD"));
    }

    [Test]
    public void AnInvalidByteComesOutAsAReplacementCharacterAtOnce()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        Assert.That(llama.TryGetTokenId("<0xFF>", out var ff), Is.True);
        Assert.That(llama.TryGetTokenId("b", out var b), Is.True);

        var decoder = llama.CreateStreamingDecoder(atStartOfText: false);

        Assert.That(decoder.Append(ff), Is.EqualTo("\uFFFD"));
        Assert.That(decoder.Append(b), Is.EqualTo("b"));
    }

    [Test]
    public void ContinuingTextKeepsTheLeadingSpace()
    {
        var llama = SuiteTokenizers.For(LlamaCppSuite.LlamaSpm);
        var ids = llama.Encode("hello world");

        Assert.That(string.Concat(ids.Select(llama.CreateStreamingDecoder(atStartOfText: true).Append)), Is.EqualTo("hello world"));
        Assert.That(string.Concat(ids.Select(llama.CreateStreamingDecoder(atStartOfText: false).Append)), Is.EqualTo(" hello world"));
    }

    [Test]
    public void ControlTokensStreamOnlyWhenRendered()
    {
        var qwen = SuiteTokenizers.For(LlamaCppSuite.Qwen2);
        var ids = qwen.Encode("<|im_start|>hi", parseSpecial: true);

        Assert.That(string.Concat(ids.Select(qwen.CreateStreamingDecoder().Append)), Is.EqualTo("hi"));
        Assert.That(string.Concat(ids.Select(qwen.CreateStreamingDecoder(renderSpecial: true).Append)), Is.EqualTo("<|im_start|>hi"));
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }
            i += consumed;
        }
        return true;
    }
}
