namespace MetalCore.Tokenization;

/// <summary>
/// Splits text into the words that byte-pair encoding then works on, one rule after the other
/// (each rule splits the words of the previous one further).
/// </summary>
internal sealed class PreTokenizer
{
    private readonly ISplitRule[] _rules;

    private PreTokenizer(ISplitRule[] rules) => _rules = rules;

    /// <summary>
    /// A pre-tokenizer from regexes as llama.cpp's pre-tokenizer lists spell them. The regexes
    /// llama.cpp matches with hand-written scanners get the same scanners here.
    /// </summary>
    public static PreTokenizer FromPatterns(IEnumerable<string> patterns) =>
        new(patterns.Select(RuleFor).ToArray());

    /// <summary>The words of a text, as lengths in codepoints, in order.</summary>
    public List<int> Split(CodepointText text)
    {
        var words = new List<int>();
        if (text.Count > 0)
        {
            words.Add(text.Count);
        }
        foreach (var rule in _rules)
        {
            var refined = new List<int>(words.Count * 2);
            rule.Split(text, words, refined);
            words = refined;
        }
        return words;
    }

    private static ISplitRule RuleFor(string pattern) => pattern switch
    {
        Gpt2SplitRule.Pattern => new Gpt2SplitRule(),
        Llama3SplitRule.Pattern => new Llama3SplitRule(),
        _ => new RegexSplitRule(pattern),
    };
}
