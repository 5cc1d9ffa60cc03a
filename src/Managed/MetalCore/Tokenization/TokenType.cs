namespace MetalCore.Tokenization;

/// <summary>
/// The kind of a vocabulary entry, with the values of GGUF's <c>tokenizer.ggml.token_type</c>
/// (llama.cpp's <c>llama_token_type</c>).
/// </summary>
public enum TokenType
{
    /// <summary>No type given; decodes to nothing.</summary>
    Undefined = 0,

    /// <summary>An ordinary piece of text.</summary>
    Normal = 1,

    /// <summary>The token that stands for text the vocabulary cannot spell.</summary>
    Unknown = 2,

    /// <summary>A special token with a meaning for the model (BOS, EOS, chat markers); only matched in input text when special tokens are parsed, and decoded to nothing unless special tokens are rendered.</summary>
    Control = 3,

    /// <summary>A token added to the vocabulary that is always matched in input text as a whole and always decoded as its text.</summary>
    UserDefined = 4,

    /// <summary>A reserved entry that is never produced; decodes to nothing.</summary>
    Unused = 5,

    /// <summary>A single byte, written <c>&lt;0xXX&gt;</c>, that spells text no other token covers (SentencePiece byte fallback).</summary>
    Byte = 6,
}
