using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// A piece of text as codepoints, with the UTF-16 offset of each one. Pre-tokenizers work on
/// codepoints (as llama.cpp does on UTF-32), so that a letter outside the Basic Multilingual
/// Plane is one letter and not two surrogates; the offsets map their spans back to the string.
/// A lone surrogate becomes U+FFFD, as invalid UTF-8 does in llama.cpp.
/// </summary>
internal sealed class CodepointText
{
    private string? _collapsed;

    private CodepointText(string text, int[] codepoints, int[] utf16Offsets, int count)
    {
        Text = text;
        Codepoints = codepoints;
        Utf16Offsets = utf16Offsets;
        Count = count;
    }

    /// <summary>The UTF-16 text the codepoints came from.</summary>
    public string Text { get; }

    /// <summary>The codepoints (the first <see cref="Count"/> entries are used).</summary>
    public int[] Codepoints { get; }

    /// <summary>UTF-16 offset of codepoint i in <see cref="Text"/>; entry <see cref="Count"/> is the text's length.</summary>
    public int[] Utf16Offsets { get; }

    public int Count { get; }

    /// <summary>The text in llama.cpp's collapsed form (built once, shared by the regex rules that need it).</summary>
    public string Collapsed => _collapsed ??= CollapsedText.Build(this);

    public static CodepointText From(string text)
    {
        var codepoints = new int[text.Length];
        var offsets = new int[text.Length + 1];
        var count = 0;
        var position = 0;
        while (position < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out var consumed);
            offsets[count] = position;
            codepoints[count++] = rune.Value; // invalid input decodes to U+FFFD
            position += consumed;
        }
        offsets[count] = text.Length;
        return new CodepointText(text, codepoints, offsets, count);
    }

    /// <summary>The UTF-16 substring of codepoints [start, start + length).</summary>
    public ReadOnlySpan<char> Slice(int start, int length) =>
        Text.AsSpan(Utf16Offsets[start], Utf16Offsets[start + length] - Utf16Offsets[start]);
}
