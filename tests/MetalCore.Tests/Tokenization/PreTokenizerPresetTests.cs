using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Each <c>tokenizer.ggml.pre</c> preset on strings that show what sets it apart, with the
/// words worked out by hand from the preset's regexes in llama.cpp (llama-vocab.cpp): each
/// regex in turn splits every piece the previous one left into its matches and the stretches
/// between them. The expectations were also checked with Python's <c>regex</c> module.
/// </summary>
[TestFixture]
public class PreTokenizerPresetTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        // GPT-2: case-sensitive contractions, " ?" joins one space to the next word, a run of
        // spaces keeps all but its last, and numbers stay whole.
        yield return Case("gpt-2", "Hello world's  end\n\n 123!!", "Hello", " world", "'s", " ", " end", "\n\n", " 123", "!!");
        yield return Case("gpt-2", "Ünïcödé  中文!?\n\nok", "Ünïcödé", " ", " 中文", "!?", "\n", "\n", "ok");

        // Llama 3: contractions in any case, numbers in groups of three, one non-letter leads
        // letters ("(hello"), and whitespace up to the last line break is one word.
        foreach (var name in new[] { "llama3", "llama-bpe" })
        {
            yield return Case(name, "I'M 12345 don't\r\n\r\n  x(hello", "I", "'M", " ", "123", "45", " don", "'t", "\r\n\r\n", " ", " x", "(hello");
            yield return Case(name, "Ünïcödé  中文!?\n\nok", "Ünïcödé", " ", " 中文", "!?\n\n", "ok");
        }

        // Qwen2: Llama 3's regex with single digits.
        yield return Case("qwen2", "I'M 12345 don't\r\n\r\n  x(hello", "I", "'M", " ", "1", "2", "3", "4", "5", " don", "'t", "\r\n\r\n", " ", " x", "(hello");

        // Default: punctuation and some symbols first ('`' is not among them), then GPT-2's
        // regex, then numbers split off their space and into groups of three.
        yield return Case("default", "a+=b 12345", "a", "+=", "b", " ", "123", "45");
        yield return Case("default", "a`!b 12345", "a", "`", "!", "b", " ", "123", "45");

        // Falcon: like the default but '`' joins the punctuation run, and numbers keep their space
        // until the groups of three cut it off.
        yield return Case("falcon", "a`!b 12345", "a", "`!", "b", " ", "123", "45");

        // StarCoder / Refact: every digit alone first, then GPT-2's regex on the rest.
        foreach (var name in new[] { "starcoder", "refact" })
        {
            yield return Case(name, "x=12;  y's", "x", "=", "1", "2", ";", " ", " y", "'s");
        }

        // DeepSeek-Coder: line breaks alone, letters and punctuation with one optional leading
        // space, CJK runs cut out of their words (leaving the space alone), single digits.
        yield return Case("deepseek-coder", "Hi, 世界 123\n", "Hi", ",", " ", "世界", " ", "1", "2", "3", "\n");
        yield return Case("deepseek-coder", "x = foo(1, 22);\r\n", "x", " =", " foo", "(", "1", ",", " ", "2", "2", ");", "\r", "\n");

        // DeepSeek-LLM: explicit letter and punctuation classes, trailing whitespace alone, whole
        // numbers. Its punctuation class [!-/:-~] also holds the ASCII letters, so in a word with
        // accented letters each ASCII letter ends up alone.
        yield return Case("deepseek-llm", "Hello, World!  ", "Hello", ",", " World", "!", "  ");
        yield return Case("deepseek-llm", "Ünïcödé 中文，测试！ 42", "Ü", "n", "ï", "c", "ö", "d", "é", " ", "中文", "，", "测试", "！", " ", "42");
    }

    [TestCaseSource(nameof(Cases))]
    public void SplitsLikeTheRegexesOfItsModel(string preset, string text, string[] expected)
    {
        Assert.That(PreTokenizerWords.Of(preset, text), Is.EqualTo(expected));
    }

    [Test]
    public void Llama3PresetsKeepWholeWordTokensAndAddBosAsLlamaCppDoes()
    {
        foreach (var name in new[] { "llama3", "llama-bpe" })
        {
            var preset = LlamaCppPreTokenizers.ForName(name);
            Assert.That((preset.IgnoreMerges, preset.AddBos), Is.EqualTo((true, true)), name);
        }
        var qwen2 = LlamaCppPreTokenizers.ForName("qwen2");
        Assert.That((qwen2.IgnoreMerges, qwen2.AddBos), Is.EqualTo((false, false)));
    }

    [Test]
    public void AMissingNameMeansTheDefaultPreset()
    {
        Assert.That(LlamaCppPreTokenizers.ForName(null), Is.SameAs(LlamaCppPreTokenizers.ForName("default")));
    }

    [Test]
    public void AnUnknownNameIsAClearError()
    {
        var error = Assert.Throws<NotSupportedException>(() => LlamaCppPreTokenizers.ForName("no-such-pre"));
        Assert.That(error!.Message, Does.Contain("'no-such-pre'").And.Contain("tokenizer.ggml.pre").And.Contain("qwen2"));
    }

    private static TestCaseData Case(string preset, string text, params string[] words) =>
        new TestCaseData(preset, text, words).SetArgDisplayNames(preset, Printable(text));

    private static string Printable(string text) =>
        "\"" + text.Replace("\r", "\\r").Replace("\n", "\\n") + "\"";
}
