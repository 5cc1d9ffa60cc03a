namespace MetalCore.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer suites through Hugging Face tokenizer.json files of the same
/// vocabularies (see <see cref="HfSuiteTokenizers"/>): the ids must be exactly the suite's,
/// which Hugging Face's tokenizers produced, and decoding must give the text back.
/// </summary>
[TestFixture]
public class HfSuiteTests
{
    [TestCaseSource(typeof(LlamaCppSuite), nameof(LlamaCppSuite.AllCases))]
    public void EncodesLikeTheSuite(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = HfSuiteTokenizers.For(suite);

        Assert.That(tokenizer.Encode(text), Is.EqualTo(suite.ExpectedIds()[index]));
    }

    [TestCaseSource(typeof(LlamaCppSuite), nameof(LlamaCppSuite.AllCases))]
    public void DecodesItsEncodingBackToTheText(LlamaCppSuite suite, int index, string text)
    {
        var tokenizer = HfSuiteTokenizers.For(suite);

        Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
    }
}
