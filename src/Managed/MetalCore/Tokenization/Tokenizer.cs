using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// A tokenizer built from a model's own vocabulary metadata, following llama.cpp's tokenizers
/// exactly (SentencePiece-style and byte-level BPE, special tokens, decoding). Create one with
/// <see cref="TokenizerFactory"/>. Thread-safe.
/// </summary>
internal sealed class Tokenizer : ITokenizer
{
    private readonly Vocabulary _vocabulary;
    private readonly IFragmentEncoder _encoder;
    private readonly TokenPieces _pieces;
    private readonly SpecialTokenSplitter _specialTokens;

    private Tokenizer(Vocabulary vocabulary, IFragmentEncoder encoder, TokenPieces pieces, VocabularyData data)
    {
        _vocabulary = vocabulary;
        _encoder = encoder;
        _pieces = pieces;
        _specialTokens = new SpecialTokenSplitter(vocabulary);
        AddsBosToken = data.AddBos;
        AddsEosToken = data.AddEos;
    }

    /// <inheritdoc/>
    public int VocabularySize => _vocabulary.Count;

    /// <inheritdoc/>
    public int? BosTokenId => _vocabulary.BosId;

    /// <inheritdoc/>
    public int? EosTokenId => _vocabulary.EosId;

    /// <inheritdoc/>
    public bool AddsBosToken { get; }

    /// <inheritdoc/>
    public bool AddsEosToken { get; }

    /// <inheritdoc/>
    public IReadOnlySet<int> EndOfGenerationTokenIds => _vocabulary.EndOfGeneration;

    /// <summary>Builds a tokenizer from plain vocabulary data, validating it.</summary>
    /// <exception cref="InvalidDataException">The data is inconsistent (duplicate tokens, ids out of range, merges of unknown tokens, ...).</exception>
    internal static Tokenizer Create(VocabularyData data)
    {
        var vocabulary = new Vocabulary(data);
        IFragmentEncoder encoder = data.Algorithm switch
        {
            TokenizerAlgorithm.SentencePiece => new SentencePieceEncoder(vocabulary, data.SpacePrefix),
            _ => new BpeEncoder(
                vocabulary,
                new BpeMergeTable(vocabulary, data.Merges ?? throw new InvalidDataException("A BPE vocabulary needs merges.")),
                data),
        };
        var byteLevel = data.Algorithm == TokenizerAlgorithm.BytePairEncoding && data.ByteLevel;
        return new Tokenizer(vocabulary, encoder, new TokenPieces(vocabulary, byteLevel, data.LeadingSpaceOnDecode), data);
    }

    /// <inheritdoc/>
    public int[] Encode(string text, bool addSpecial = false, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 2);
        if (addSpecial && AddsBosToken)
        {
            output.Add(_vocabulary.BosId!.Value);
        }
        foreach (var fragment in _specialTokens.Split(text, parseSpecial))
        {
            if (fragment.IsText)
            {
                _encoder.Encode(text.AsSpan(fragment.Start, fragment.Length), fragment.Start == 0, output);
            }
            else
            {
                output.Add(fragment.Token);
            }
        }
        if (addSpecial && AddsEosToken)
        {
            output.Add(_vocabulary.EosId!.Value);
        }
        return [.. output];
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> tokenIds, bool renderSpecial = false)
    {
        var bytes = new List<byte>(tokenIds.Length * 4);
        var atStartOfText = true;
        foreach (var id in tokenIds)
        {
            bytes.AddRange(_pieces.Of(id, renderSpecial, ref atStartOfText));
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <inheritdoc/>
    public StreamingDecoder CreateStreamingDecoder(bool renderSpecial = false, bool atStartOfText = true) =>
        new(_pieces, renderSpecial, atStartOfText);

    /// <inheritdoc/>
    public string GetTokenText(int tokenId) => _vocabulary.TextOf(tokenId);

    /// <inheritdoc/>
    public TokenType GetTokenType(int tokenId) => _vocabulary.TypeOf(tokenId);

    /// <inheritdoc/>
    public bool TryGetTokenId(string tokenText, out int tokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        return _vocabulary.TryGetId(tokenText, out tokenId);
    }
}
