namespace MetalCore.Tokenization;

/// <summary>Turns text into token ids and token ids back into text, for one model's vocabulary.</summary>
public interface ITokenizer
{
    /// <summary>The number of tokens in the vocabulary (ids run from 0 to this minus one).</summary>
    int VocabularySize { get; }

    /// <summary>The beginning-of-sequence token, if the vocabulary has one.</summary>
    int? BosTokenId { get; }

    /// <summary>The end-of-sequence token, if the vocabulary has one.</summary>
    int? EosTokenId { get; }

    /// <summary>Whether the model's metadata asks for BOS at the start of a sequence (added by <see cref="Encode"/> when <c>addSpecial</c> is true).</summary>
    bool AddsBosToken { get; }

    /// <summary>Whether the model's metadata asks for EOS at the end of a sequence (added by <see cref="Encode"/> when <c>addSpecial</c> is true).</summary>
    bool AddsEosToken { get; }

    /// <summary>Tokens after which generation stops: EOS, end-of-turn markers and the like.</summary>
    IReadOnlySet<int> EndOfGenerationTokenIds { get; }

    /// <summary>Tokenizes text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addSpecial">Add BOS and/or EOS as the model's metadata asks (<see cref="AddsBosToken"/>, <see cref="AddsEosToken"/>).</param>
    /// <param name="parseSpecial">Recognize the text of control tokens (such as <c>&lt;|im_start|&gt;</c>) in the input as those tokens; otherwise it is tokenized as plain text. Chat prompts need this.</param>
    /// <returns>The token ids.</returns>
    int[] Encode(string text, bool addSpecial = false, bool parseSpecial = false);

    /// <summary>Turns token ids into text. Byte sequences that are not valid UTF-8 become U+FFFD.</summary>
    /// <param name="tokenIds">The token ids; the first one is taken as the start of a text (SentencePiece vocabularies drop its leading space, as llama.cpp does).</param>
    /// <param name="renderSpecial">Write control tokens as their text instead of leaving them out.</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    string Decode(ReadOnlySpan<int> tokenIds, bool renderSpecial = false);

    /// <summary>A decoder that takes token ids one at a time and returns text as soon as it is complete UTF-8.</summary>
    /// <param name="renderSpecial">Write control tokens as their text instead of leaving them out.</param>
    /// <param name="atStartOfText">True when the first id starts a text (it loses its leading space as in <see cref="Decode"/>); false when the ids continue earlier text, as generated tokens continue a prompt.</param>
    StreamingDecoder CreateStreamingDecoder(bool renderSpecial = false, bool atStartOfText = true);

    /// <summary>The vocabulary text of a token, as stored by the model (byte-level vocabularies spell bytes with GPT-2's characters, SentencePiece ones spaces as '▁').</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    string GetTokenText(int tokenId);

    /// <summary>The type of a token.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    TokenType GetTokenType(int tokenId);

    /// <summary>Finds a token by its vocabulary text (as <see cref="GetTokenText"/> returns it).</summary>
    bool TryGetTokenId(string tokenText, out int tokenId);
}
