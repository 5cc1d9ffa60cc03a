using System.Globalization;
using System.Numerics;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Rounds a double to a number of decimal places the way Python does (<c>round(x, n)</c>,
/// <c>'%.nf' % x</c>): on the exact binary value, ties to even, so 0.125 rounds to 0.12 and 2.675
/// (really 2.67499999...) to 2.67.
/// </summary>
internal static class ExactDecimal
{
    /// <summary>
    /// <paramref name="value"/> (finite) rounded to <paramref name="digits"/> decimal places (negative:
    /// to tens, hundreds...), written with max(digits, 0) decimals and a '-' for negative values.
    /// </summary>
    public static string Format(double value, int digits)
    {
        var negative = double.IsNegative(value);
        var (mantissa, exponent) = Decompose(Math.Abs(value));

        // value = mantissa * 2^exponent; rounded = round(value * 10^digits) as an exact ratio.
        var numerator = new BigInteger(mantissa);
        var denominator = BigInteger.One;
        if (exponent >= 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }
        if (digits >= 0)
        {
            numerator *= BigInteger.Pow(10, digits);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -digits);
        }
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient++;
        }

        var text = new StringBuilder();
        if (negative)
        {
            text.Append('-');
        }
        if (digits <= 0)
        {
            text.Append((quotient * BigInteger.Pow(10, -digits)).ToString(CultureInfo.InvariantCulture));
            return text.ToString();
        }
        var all = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(digits + 1, '0');
        return text.Append(all, 0, all.Length - digits).Append('.').Append(all, all.Length - digits, digits).ToString();
    }

    private static (long Mantissa, int Exponent) Decompose(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponentBits = (int)((bits >> 52) & 0x7ff);
        var fraction = bits & 0xfffffffffffffL;
        return exponentBits == 0
            ? (fraction, -1074)
            : (fraction | (1L << 52), exponentBits - 1075);
    }
}
