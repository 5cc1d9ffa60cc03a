namespace MetalCore.Tests.Tokenization;

/// <summary>
/// llama.cpp's own tokenizer test suites (test-tokenizer-0): every string must tokenize to
/// exactly the ids llama.cpp and Hugging Face produce, with no BOS/EOS and special tokens as
/// plain text.
/// </summary>
[TestFixture]
public class LlamaCppSuiteTests
{
    private static IEnumerable<TestCaseData> LlamaSpmCases => LlamaCppSuite.Cases(LlamaCppSuite.LlamaSpm);
    private static IEnumerable<TestCaseData> Gpt2Cases => LlamaCppSuite.Cases(LlamaCppSuite.Gpt2);
    private static IEnumerable<TestCaseData> DeepSeekCoderCases => LlamaCppSuite.Cases(LlamaCppSuite.DeepSeekCoder);
    private static IEnumerable<TestCaseData> Qwen2Cases => LlamaCppSuite.Cases(LlamaCppSuite.Qwen2);

    [TestCaseSource(nameof(LlamaSpmCases))]
    [TestCaseSource(nameof(Gpt2Cases))]
    [TestCaseSource(nameof(DeepSeekCoderCases))]
    [TestCaseSource(nameof(Qwen2Cases))]
    public void EncodesLikeLlamaCpp(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = SuiteTokenizers.For(suite);
        var expected = suite.ExpectedIds();
        Assert.That(expected, Has.Count.EqualTo(suite.Inputs().Count), $"{suite.OutputFile} and {suite.InputFile} disagree on the number of strings");

        var ids = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);

        Assert.That(ids, Is.EqualTo(expected[index]));
    }

    [TestCaseSource(nameof(LlamaSpmCases))]
    [TestCaseSource(nameof(Gpt2Cases))]
    [TestCaseSource(nameof(DeepSeekCoderCases))]
    [TestCaseSource(nameof(Qwen2Cases))]
    public void DecodesItsEncodingBackToTheText(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = SuiteTokenizers.For(suite);

        var decoded = tokenizer.Decode(tokenizer.Encode(text));

        Assert.That(decoded, Is.EqualTo(text));
    }
}
