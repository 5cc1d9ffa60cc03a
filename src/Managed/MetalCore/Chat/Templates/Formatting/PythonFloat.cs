using System.Globalization;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>repr(float)</c> (also its <c>str()</c>): the shortest digits that read back as the
/// same double, in fixed notation for decimal exponents from -4 to 15 ("0.0001", "1e+16", "3.0").
/// </summary>
internal static class PythonFloat
{
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        var (digits, pointPosition) = ShortestDigits(Math.Abs(value));
        var text = new StringBuilder();
        if (value < 0)
        {
            text.Append('-');
        }
        // Python writes 0.DIGITS x 10^pointPosition in fixed notation when -4 < pointPosition <= 16.
        if (pointPosition is > -4 and <= 16)
        {
            if (pointPosition <= 0)
            {
                text.Append("0.").Append('0', -pointPosition).Append(digits);
            }
            else if (pointPosition >= digits.Length)
            {
                text.Append(digits).Append('0', pointPosition - digits.Length).Append(".0");
            }
            else
            {
                text.Append(digits, 0, pointPosition).Append('.').Append(digits, pointPosition, digits.Length - pointPosition);
            }
            return text.ToString();
        }
        var exponent = pointPosition - 1;
        text.Append(digits[0]);
        if (digits.Length > 1)
        {
            text.Append('.').Append(digits, 1, digits.Length - 1);
        }
        text.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>
    /// The shortest round-trip significant digits of a positive finite double (no leading or trailing
    /// zeros) and the position of the decimal point: value = 0.DIGITS x 10^pointPosition.
    /// </summary>
    private static (string Digits, int PointPosition) ShortestDigits(double value)
    {
        // .NET's "R" yields the shortest round-trip digits, like Python's repr; only the layout differs.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var point = text.IndexOf('.', StringComparison.Ordinal);
        var integerPart = point < 0 ? text : text[..point];
        var digits = point < 0 ? text : integerPart + text[(point + 1)..];
        var pointPosition = integerPart.Length + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        return (digits, pointPosition - leadingZeros);
    }
}
