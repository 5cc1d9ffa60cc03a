using System.Globalization;
using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// The bytes each token decodes to, computed once (llama.cpp's <c>token_to_piece</c> cache):
/// SentencePiece-style text with '▁' as space, byte-level BPE characters turned back into bytes,
/// byte tokens as their byte, added and special tokens as their text, unused entries as nothing.
/// </summary>
internal sealed class TokenPieces
{
    private readonly byte[][] _pieces;
    private readonly bool[] _special;
    private readonly LeadingSpace _leadingSpace;

    public TokenPieces(Vocabulary vocabulary, bool byteLevel, LeadingSpace leadingSpace)
    {
        _leadingSpace = leadingSpace;
        _pieces = new byte[vocabulary.Count][];
        _special = new bool[vocabulary.Count];
        for (var id = 0; id < vocabulary.Count; id++)
        {
            var type = vocabulary.TypeOf(id);
            var text = vocabulary.TextOf(id);
            _special[id] = type is TokenType.Control or TokenType.Unknown;
            _pieces[id] = type switch
            {
                TokenType.Normal when byteLevel => DecodeByteLevel(text),
                TokenType.Normal => Encoding.UTF8.GetBytes(text.Replace(SentencePieceEncoder.SpaceMarker, ' ')),
                TokenType.Byte => [ParseByteToken(id, text)],
                TokenType.Control or TokenType.Unknown or TokenType.UserDefined => Encoding.UTF8.GetBytes(text),
                _ => [],
            };
        }
    }

    public int Count => _pieces.Length;

    /// <summary>
    /// The bytes of a token; control and unknown tokens are empty unless rendered. At the start
    /// of a text the piece may lose one leading space (the SentencePiece space prefix).
    /// </summary>
    /// <param name="id">The token.</param>
    /// <param name="renderSpecial">Whether control and unknown tokens decode to their text.</param>
    /// <param name="atStartOfText">True until the leading-space rule has been applied; this call clears it once it has.</param>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public ReadOnlySpan<byte> Of(int id, bool renderSpecial, ref bool atStartOfText)
    {
        if ((uint)id >= (uint)_pieces.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{_pieces.Length - 1}).");
        }
        byte[] piece = _special[id] && !renderSpecial ? [] : _pieces[id];
        if (!atStartOfText || (_leadingSpace == LeadingSpace.StripFromText && piece.Length == 0))
        {
            return piece;
        }
        atStartOfText = false;
        return _leadingSpace != LeadingSpace.Keep && piece is [(byte)' ', ..] ? piece.AsSpan(1) : piece;
    }

    /// <summary>
    /// Byte-level characters back to bytes. A character outside the byte alphabet (which no
    /// proper byte-level vocabulary has) is kept as its own UTF-8.
    /// </summary>
    private static byte[] DecodeByteLevel(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (ByteLevelAlphabet.TryToByte(rune.Value, out var b))
            {
                bytes.Add(b);
            }
            else
            {
                bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
            }
        }
        return [.. bytes];
    }

    private static byte ParseByteToken(int id, string text) =>
        text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"Token {id} '{text}' has type Byte but is not written <0xXX>.");
}
