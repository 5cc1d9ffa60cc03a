using System.Globalization;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>%e</c> and <c>%g</c> layouts of a finite float's magnitude (the caller adds the sign),
/// digits rounded as Python rounds them (<see cref="ExactDecimal"/>).
/// </summary>
internal static class FloatNotation
{
    /// <summary><c>'%.{precision}e' % |value|</c>, e.g. 1.235e+04; <paramref name="alternate"/> (<c>#</c>) keeps the point.</summary>
    public static string Exponent(double value, int precision, bool alternate)
    {
        var (digits, exponent) = ExactDecimal.Significant(value, precision + 1);
        return Scientific(digits, exponent, alternate);
    }

    /// <summary>
    /// <c>'%.{precision}g' % |value|</c>: fixed notation when the exponent lies in [-4, precision),
    /// scientific otherwise, trailing zeros dropped unless <paramref name="alternate"/>.
    /// </summary>
    public static string General(double value, int precision, bool alternate)
    {
        var significant = Math.Max(precision, 1);
        var (digits, exponent) = ExactDecimal.Significant(value, significant);
        if (exponent < -4 || exponent >= significant)
        {
            return Scientific(alternate ? digits : digits.TrimEnd('0').PadRight(1, '0'), exponent, alternate);
        }
        var text = ExactDecimal.Format(Math.Abs(value), significant - 1 - exponent);
        if (alternate)
        {
            return text.Contains('.', StringComparison.Ordinal) ? text : text + ".";
        }
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }

    private static string Scientific(string digits, int exponent, bool alternate)
    {
        var text = new StringBuilder().Append(digits[0]);
        if (digits.Length > 1 || alternate)
        {
            text.Append('.').Append(digits, 1, digits.Length - 1);
        }
        return text.Append('e').Append(exponent < 0 ? '-' : '+')
            .Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)).ToString();
    }
}
