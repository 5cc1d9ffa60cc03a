namespace MetalCore.Tokenization;

/// <summary>
/// One step of a pre-tokenizer. The text arrives as consecutive pieces (lengths in codepoints
/// that together cover it); each piece is split further and every resulting length is appended,
/// in order, to the result. This is llama.cpp's <c>unicode_regex_split</c> contract: each regex
/// of a pre-tokenizer refines the pieces the previous one produced.
/// </summary>
internal interface ISplitRule
{
    void Split(CodepointText text, List<int> pieces, List<int> result);
}
