namespace MetalCore.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer suites through Hugging Face tokenizer.json files of the same
/// vocabularies (see <see cref="HfSuiteTokenizers"/>): the ids must be exactly the suite's,
/// which Hugging Face's tokenizers produced, and decoding must give the text back.
/// </summary>
[TestFixture]
public class HfSuiteTests
{
    private static IEnumerable<TestCaseData> LlamaSpmCases => LlamaCppSuite.Cases(LlamaCppSuite.LlamaSpm);
    private static IEnumerable<TestCaseData> Gpt2Cases => LlamaCppSuite.Cases(LlamaCppSuite.Gpt2);
    private static IEnumerable<TestCaseData> DeepSeekCoderCases => LlamaCppSuite.Cases(LlamaCppSuite.DeepSeekCoder);
    private static IEnumerable<TestCaseData> Qwen2Cases => LlamaCppSuite.Cases(LlamaCppSuite.Qwen2);

    [TestCaseSource(nameof(LlamaSpmCases))]
    [TestCaseSource(nameof(Gpt2Cases))]
    [TestCaseSource(nameof(DeepSeekCoderCases))]
    [TestCaseSource(nameof(Qwen2Cases))]
    public void EncodesLikeTheSuite(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = HfSuiteTokenizers.For(suite);

        Assert.That(tokenizer.Encode(text), Is.EqualTo(suite.ExpectedIds()[index]));
    }

    [TestCaseSource(nameof(LlamaSpmCases))]
    [TestCaseSource(nameof(Gpt2Cases))]
    [TestCaseSource(nameof(DeepSeekCoderCases))]
    [TestCaseSource(nameof(Qwen2Cases))]
    public void DecodesItsEncodingBackToTheText(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = HfSuiteTokenizers.For(suite);

        Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
    }
}
