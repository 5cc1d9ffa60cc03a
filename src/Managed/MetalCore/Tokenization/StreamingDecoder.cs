using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// Decodes token ids one at a time, as they are generated. A token can end in the middle of a
/// UTF-8 character (byte tokens, byte-level BPE); those bytes are held back until the character
/// is complete, so no returned string ever holds a broken character. Together the returned
/// strings (and <see cref="Flush"/>) are exactly what <see cref="ITokenizer.Decode"/> gives for
/// the same ids. Not thread-safe: one decoder per stream.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly TokenPieces _pieces;
    private readonly bool _renderSpecial;
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private bool _atStartOfText;
    private char[] _chars = new char[64];

    internal StreamingDecoder(TokenPieces pieces, bool renderSpecial, bool atStartOfText)
    {
        _pieces = pieces;
        _renderSpecial = renderSpecial;
        _atStartOfText = atStartOfText;
    }

    /// <summary>Adds a token and returns the text it completes (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string Append(int tokenId)
    {
        var piece = _pieces.Of(tokenId, _renderSpecial, ref _atStartOfText);
        return Convert(piece, flush: false);
    }

    /// <summary>Ends the stream: bytes still held back (an incomplete character at the very end) come out as U+FFFD.</summary>
    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = _utf8.GetCharCount(bytes, flush);
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }
        var written = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }
}
