namespace MetalCore.Tokenization;

/// <summary>
/// GPT-2's reversible mapping between bytes and printable characters (OpenAI's
/// <c>bytes_to_unicode</c>, also in llama.cpp's unicode.cpp): byte-level BPE vocabularies store
/// every token as the characters of its bytes, so that no token contains whitespace or control
/// characters. Printable Latin-1 bytes map to themselves; the other 68 bytes map, in byte order,
/// to U+0100 upwards (the space 0x20 becomes 'Ġ', the newline 0x0A becomes 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly short[] s_charToByte = BuildCharToByte();

    /// <summary>The character standing for a byte.</summary>
    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte a character stands for, or false when the character is not in the alphabet.</summary>
    public static bool TryToByte(int character, out byte value)
    {
        if ((uint)character < (uint)s_charToByte.Length && s_charToByte[character] >= 0)
        {
            value = (byte)s_charToByte[character];
            return true;
        }
        value = 0;
        return false;
    }

    private static bool IsPrintable(int value) =>
        value is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 0x100;
        for (var b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x100 + 68];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            map[s_byteToChar[b]] = (short)b;
        }
        return map;
    }
}
