using System.Globalization;

namespace MetalCore.Tokenization;

/// <summary>
/// What a pre-tokenizer needs to know about a codepoint: its general-category group (exactly one)
/// and whether it is whitespace. The values mirror llama.cpp's <c>unicode_cpt_flags</c>, so the
/// hand-written splitters can test "inside the text" as "any flag set", as llama.cpp does
/// (<see cref="None"/> stands for a position past the end of the text).
/// </summary>
[Flags]
internal enum CodepointFlags : ushort
{
    None = 0,
    Undefined = 0x0001,
    Number = 0x0002,
    Letter = 0x0004,
    Separator = 0x0008,
    Mark = 0x0010,
    Punctuation = 0x0020,
    Symbol = 0x0040,
    Control = 0x0080,
    CategoryMask = 0x00FF,
    Whitespace = 0x0100,
}

/// <summary>Classifies codepoints the way llama.cpp's generated unicode tables do.</summary>
internal static class CodepointClassifier
{
    /// <summary>The Unicode White_Space property (PropList.txt), the set llama.cpp uses for <c>\s</c>.</summary>
    private static readonly int[] s_whitespace =
    [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    // The Basic Multilingual Plane is looked up in a table: it holds almost every codepoint of
    // real text, and the splitters classify every codepoint at least once.
    private static readonly CodepointFlags[] s_bmp = BuildBmpTable();

    public static CodepointFlags Classify(int codepoint) =>
        (uint)codepoint < (uint)s_bmp.Length ? s_bmp[codepoint] : ClassifyUncached(codepoint);

    public static bool IsWhitespace(int codepoint) => (Classify(codepoint) & CodepointFlags.Whitespace) != 0;

    private static CodepointFlags[] BuildBmpTable()
    {
        var table = new CodepointFlags[0x10000];
        for (var cp = 0; cp < table.Length; cp++)
        {
            table[cp] = ClassifyUncached(cp);
        }
        return table;
    }

    private static CodepointFlags ClassifyUncached(int codepoint)
    {
        if (codepoint is < 0 or > 0x10FFFF)
        {
            return CodepointFlags.Undefined;
        }
        var flags = CategoryOf(CharUnicodeInfo.GetUnicodeCategory(codepoint));
        if (Array.IndexOf(s_whitespace, codepoint) >= 0)
        {
            flags |= CodepointFlags.Whitespace;
        }
        return flags;
    }

    private static CodepointFlags CategoryOf(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointFlags.Letter,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark => CodepointFlags.Mark,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
            or UnicodeCategory.OtherNumber => CodepointFlags.Number,
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => CodepointFlags.Separator,
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse => CodepointFlags.Control,
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointFlags.Punctuation,
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
            or UnicodeCategory.OtherSymbol => CodepointFlags.Symbol,
        _ => CodepointFlags.Undefined,
    };
}
