using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>Runs a llama.cpp pre-tokenizer preset and returns its words as strings.</summary>
internal static class PreTokenizerWords
{
    public static PreTokenizer Preset(string name) =>
        PreTokenizer.FromPatterns(LlamaCppPreTokenizers.ForName(name).Patterns);

    public static string[] Of(string preset, string text) => Of(Preset(preset), text);

    public static string[] Of(PreTokenizer preTokenizer, string text)
    {
        var codepoints = CodepointText.From(text);
        var start = 0;
        return preTokenizer.Split(codepoints).Select(length =>
        {
            var word = codepoints.Slice(start, length).ToString();
            start += length;
            return word;
        }).ToArray();
    }
}
