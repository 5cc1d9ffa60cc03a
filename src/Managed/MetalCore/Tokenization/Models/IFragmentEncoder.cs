namespace MetalCore.Tokenization;

/// <summary>Turns a stretch of plain text (text between special tokens) into token ids.</summary>
internal interface IFragmentEncoder
{
    /// <param name="fragment">The text.</param>
    /// <param name="startsText">Whether the fragment is at the very start of the encoded text.</param>
    /// <param name="output">Where the token ids are appended.</param>
    void Encode(ReadOnlySpan<char> fragment, bool startsText, List<int> output);
}
