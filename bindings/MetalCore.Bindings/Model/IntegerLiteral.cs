using System.Globalization;
using System.Text.RegularExpressions;

namespace MetalCore.Bindings.Model;

/// <summary>
/// An integer constant from a macro's replacement text, with the C# type C gives it.
/// </summary>
/// <param name="Value">The value.</param>
/// <param name="Type">int, uint, long or ulong.</param>
internal sealed partial record IntegerLiteral(Int128 Value, string Type)
{
    /// <summary>
    /// Reads a C integer literal (decimal, 0x hex or 0 octal, u/l/ll suffixes), optionally
    /// negated and parenthesized; null for anything else (strings, floats, expressions).
    /// </summary>
    public static IntegerLiteral? TryParse(string text)
    {
        var match = Literal().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var digits = match.Groups["digits"].Value;
        var magnitude = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? UInt128.Parse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : digits[0] == '0'
                ? digits.Aggregate(UInt128.Zero, (value, digit) => value * 8 + (UInt128)(digit - '0'))
                : UInt128.Parse(digits, CultureInfo.InvariantCulture);
        var suffix = match.Groups["suffix"].Value.ToLowerInvariant();
        var type = TypeOf(magnitude, isDecimal: digits[0] != '0',
            isUnsigned: suffix.Contains('u'), isLong: suffix.Contains('l'));
        if (type == null)
        {
            return null;
        }
        var value = match.Groups["minus"].Success ? -(Int128)magnitude : (Int128)magnitude;
        // C negates an unsigned value modulo 2^n; a C# constant cannot express that faithfully.
        return match.Groups["minus"].Success && type.StartsWith('u') ? null : new IntegerLiteral(value, type);
    }

    /// <summary>The value as a C# literal of <see cref="Type"/>.</summary>
    public string ToCSharp() => Value.ToString(CultureInfo.InvariantCulture) + Type switch
    {
        "uint" => "U",
        "long" => "L",
        "ulong" => "UL",
        _ => "",
    };

    // C11 6.4.4.1: the first type that holds the value; decimal literals without a u suffix
    // stay signed, hex and octal ones may become unsigned. long is 64-bit (LP64, as on macOS and Linux).
    private static string? TypeOf(UInt128 magnitude, bool isDecimal, bool isUnsigned, bool isLong)
    {
        string[] candidates = (isUnsigned, isLong, isDecimal) switch
        {
            (true, true, _) => ["ulong"],
            (true, false, _) => ["uint", "ulong"],
            (false, true, true) => ["long"],
            (false, true, false) => ["long", "ulong"],
            (false, false, true) => ["int", "long"],
            (false, false, false) => ["int", "uint", "long", "ulong"],
        };
        return candidates.FirstOrDefault(candidate => magnitude <= candidate switch
        {
            "int" => (UInt128)int.MaxValue,
            "uint" => uint.MaxValue,
            "long" => (UInt128)long.MaxValue,
            _ => ulong.MaxValue,
        });
    }

    [GeneratedRegex(@"^(?<open>\()?\s*(?<minus>-)?\s*(?<digits>0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?<suffix>[uU]?(?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU])\s*(?(open)\))$")]
    private static partial Regex Literal();
}
