using System.Globalization;
using System.Numerics;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Rounds a double to a number of decimal places or significant digits the way Python does
/// (<c>round(x, n)</c>, <c>'%.nf' % x</c>, <c>'%.ne' % x</c>): on the exact binary value, ties to
/// even, so 0.125 rounds to 0.12 and 2.675 (really 2.67499999...) to 2.67.
/// </summary>
internal static class ExactDecimal
{
    /// <summary>
    /// <paramref name="value"/> (finite) rounded to <paramref name="digits"/> decimal places (negative:
    /// to tens, hundreds...), written with max(digits, 0) decimals and a '-' for negative values.
    /// </summary>
    public static string Format(double value, int digits)
    {
        var quotient = RoundScaled(Math.Abs(value), digits);
        var text = new StringBuilder();
        if (double.IsNegative(value))
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

    /// <summary>
    /// The first <paramref name="count"/> significant digits of a finite <paramref name="value"/>,
    /// rounded, and the decimal exponent of the first: |value| ≈ D.DDD × 10^exponent. Zero is all
    /// zeros with exponent 0.
    /// </summary>
    public static (string Digits, int Exponent) Significant(double value, int count)
    {
        value = Math.Abs(value);
        if (value == 0)
        {
            return (new string('0', count), 0);
        }
        // log10 can be off by one next to powers of ten: correct it until the digits fit exactly.
        var exponent = (int)Math.Floor(Math.Log10(value));
        var low = BigInteger.Pow(10, count - 1);
        while (true)
        {
            var digits = RoundScaled(value, count - 1 - exponent);
            if (digits >= low * 10)
            {
                exponent++;
            }
            else if (digits < low)
            {
                exponent--;
            }
            else
            {
                return (digits.ToString(CultureInfo.InvariantCulture), exponent);
            }
        }
    }

    /// <summary>round(value × 10^digits) for a non-negative finite value, on its exact binary value, ties to even.</summary>
    private static BigInteger RoundScaled(double value, int digits)
    {
        var (mantissa, exponent) = Decompose(value);

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
        return quotient;
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
