namespace MetalCore.Tests.Tokenization;

/// <summary>
/// llama.cpp's own tokenizer test suites (test-tokenizer-0): every string must tokenize to
/// exactly the ids llama.cpp and Hugging Face produce, with no BOS/EOS and special tokens as
/// plain text.
/// </summary>
[TestFixture]
public class LlamaCppSuiteTests
{
    [TestCaseSource(typeof(LlamaCppSuite), nameof(LlamaCppSuite.AllCases))]
    public void EncodesLikeLlamaCpp(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = SuiteTokenizers.For(suite);
        var expected = suite.ExpectedIds();
        Assert.That(expected, Has.Count.EqualTo(suite.Inputs().Count), $"{suite.OutputFile} and {suite.InputFile} disagree on the number of strings");

        var ids = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);

        Assert.That(ids, Is.EqualTo(expected[index]));
    }

    [TestCaseSource(typeof(LlamaCppSuite), nameof(LlamaCppSuite.AllCases))]
    public void DecodesItsEncodingBackToTheText(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = SuiteTokenizers.For(suite);

        var decoded = tokenizer.Decode(tokenizer.Encode(text));

        Assert.That(decoded, Is.EqualTo(text));
    }
}
