namespace MetalCore.Tokenization;

/// <summary>
/// A token added on top of a base vocabulary (Hugging Face's added tokens): matched as a whole
/// in input text before the rest of the text is tokenized.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">The token's text, matched verbatim.</param>
/// <param name="IsSpecial">True for a control token (matched only when special tokens are parsed, decoded only when rendered); false for one that is always matched and decoded.</param>
internal sealed record AddedToken(int Id, string Text, bool IsSpecial);
