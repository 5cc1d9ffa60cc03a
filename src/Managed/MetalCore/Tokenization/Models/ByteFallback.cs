using System.Text;

namespace MetalCore.Tokenization;

/// <summary>Spells a piece of text that no token covers with byte tokens, or with the unknown token.</summary>
internal static class ByteFallback
{
    /// <exception cref="InvalidOperationException">The vocabulary has neither the byte tokens nor an unknown token.</exception>
    public static void Append(Vocabulary vocabulary, ReadOnlySpan<char> text, List<int> output)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        var bytes = maxBytes <= 256 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        bytes = bytes[..Encoding.UTF8.GetBytes(text, bytes)];
        var first = output.Count;
        foreach (var b in bytes)
        {
            var id = vocabulary.ByteTokenId(b);
            if (id < 0)
            {
                // Without byte tokens the piece is unknown, as SentencePiece without byte fallback has it.
                output.RemoveRange(first, output.Count - first);
                output.Add(vocabulary.UnknownId ?? throw new InvalidOperationException(
                    $"The vocabulary cannot spell '{text}': it has no <0x{b:X2}> byte token and no unknown token."));
                return;
            }
            output.Add(id);
        }
    }
}
