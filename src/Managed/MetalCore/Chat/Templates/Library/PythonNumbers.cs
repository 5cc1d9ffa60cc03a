using System.Globalization;
using MetalCore.Chat.Templates.Formatting;

namespace MetalCore.Chat.Templates.Library;

/// <summary>Python's <c>int(text, base)</c> and <c>float(text)</c> parsing: surrounding whitespace, underscores, prefixes.</summary>
internal static class PythonNumbers
{
    public static bool TryParseInteger(string text, long numberBase, out long value)
    {
        value = 0;
        var s = PythonText.Strip(text, null).ToLowerInvariant();
        var negative = s.StartsWith('-');
        if (negative || s.StartsWith('+'))
        {
            s = s[1..];
        }
        if (numberBase is 0 or 2 or 8 or 16 && s.Length > 2 && s[0] == '0' && s[1] is 'b' or 'o' or 'x')
        {
            var prefixBase = s[1] switch { 'b' => 2, 'o' => 8, _ => 16 };
            if (numberBase != 0 && numberBase != prefixBase)
            {
                return false;
            }
            numberBase = prefixBase;
            s = s[2..].TrimStart('_');
        }
        if (numberBase == 0)
        {
            numberBase = 10;
        }
        if (s.Length == 0 || s.StartsWith('_') || s.EndsWith('_') || s.Contains("__", StringComparison.Ordinal) || numberBase is < 2 or > 36)
        {
            return false;
        }
        foreach (var c in s.Replace("_", "", StringComparison.Ordinal))
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetterLower(c) ? c - 'a' + 10 : 99;
            if (digit >= numberBase)
            {
                return false;
            }
            try
            {
                value = checked(value * numberBase + digit);
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        value = negative ? -value : value;
        return true;
    }

    public static bool TryParseFloat(string text, out double value)
    {
        var s = PythonText.Strip(text, null);
        var unsigned = s.TrimStart('+', '-').ToLowerInvariant();
        if (unsigned is "inf" or "infinity" or "nan")
        {
            value = unsigned == "nan" ? double.NaN : s.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = 0;
        if (s.Length == 0 || s.Contains("__", StringComparison.Ordinal) || s.StartsWith('_') || s.EndsWith('_')
            || s.Any(c => !(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-' or '_')))
        {
            return false;
        }
        return double.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
