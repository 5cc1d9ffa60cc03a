using System.Globalization;
using System.Text;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's printf-style <c>format % values</c> (the <c>%</c> operator on a string and the
/// <c>format</c> filter): <c>%s %r %a %d %i %u %f %F %x %X %o %c %%</c>, with <c>%(key)s</c>,
/// flags, width and precision. The exponent forms (<c>%e %g</c>) are not supported.
/// </summary>
internal static class PercentFormat
{
    public static StringValue Apply(string format, TemplateValue values)
    {
        // A tuple supplies positional values; a dict is both the mapping for %(key)s and a single value.
        IReadOnlyList<TemplateValue> positional = values is ListValue { Kind: SequenceKind.Tuple } tuple ? tuple.Items : [values];
        var mapping = values as DictValue;
        var next = 0;
        TemplateValue NextValue() => next < positional.Count
            ? positional[next++]
            : throw TemplateError.Type("not enough arguments for format string");

        var output = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                output.Append(format[i]);
                continue;
            }
            i++;
            if (i < format.Length && format[i] == '%')
            {
                output.Append('%');
                continue;
            }
            TemplateValue? keyed = null;
            if (i < format.Length && format[i] == '(')
            {
                var close = format.IndexOf(')', i);
                if (close < 0)
                {
                    throw TemplateError.Runtime("incomplete format key");
                }
                if (mapping is null)
                {
                    throw TemplateError.Type("format requires a mapping");
                }
                var key = format[(i + 1)..close];
                keyed = mapping.TryGetValue(new StringValue(key), out var found) ? found : throw TemplateError.Runtime($"KeyError: '{key}'");
                i = close + 1;
            }
            var flags = string.Empty;
            while (i < format.Length && format[i] is '-' or '+' or ' ' or '#' or '0')
            {
                flags += format[i++];
            }
            var width = ReadNumber(format, ref i, NextValue);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i, NextValue) ?? 0;
            }
            while (i < format.Length && format[i] is 'h' or 'l' or 'L')
            {
                i++;
            }
            if (i >= format.Length)
            {
                throw TemplateError.Runtime("incomplete format");
            }
            var conversion = format[i];
            var value = keyed ?? NextValue();
            output.Append(Pad(Convert(conversion, value, flags, precision), width, flags, conversion));
        }
        if (mapping is null && next < positional.Count)
        {
            throw TemplateError.Type("not all arguments converted during string formatting");
        }
        return new StringValue(output.ToString());
    }

    private static int? ReadNumber(string format, ref int i, Func<TemplateValue> nextValue)
    {
        if (i < format.Length && format[i] == '*')
        {
            i++;
            return (int)Library.ArgumentConversions.AsInteger(nextValue());
        }
        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            i++;
        }
        return i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
    }

    private static string Convert(char conversion, TemplateValue value, string flags, int? precision)
    {
        switch (conversion)
        {
            case 's' or 'r' or 'a':
                var text = conversion == 's' ? PythonRepr.Str(value) : PythonRepr.Repr(value);
                return precision is { } p && p < text.Length ? text[..p] : text;
            case 'd' or 'i' or 'u':
                RequireNumber(value, $"%{conversion} format: a real number is required, not {value.TypeName}");
                var integer = value is FloatValue f ? (long)Math.Truncate(f.Value) : PythonObjects.ToInteger(value);
                return Signed(integer < 0, Math.Abs(integer).ToString(CultureInfo.InvariantCulture), flags);
            case 'f' or 'F':
                RequireNumber(value, $"must be real number, not {value.TypeName}");
                var number = PythonObjects.ToDouble(value);
                var fixedPoint = double.IsFinite(number)
                    ? ExactDecimal.Format(Math.Abs(number), precision ?? 6)
                    : double.IsNaN(number) ? "nan" : "inf";
                return Signed(double.IsNegative(number) && !double.IsNaN(number), fixedPoint, flags);
            case 'x' or 'X' or 'o':
                if (value is not (BooleanValue or IntegerValue))
                {
                    throw TemplateError.Type($"%{conversion} format: an integer is required, not {value.TypeName}");
                }
                var n = PythonObjects.ToInteger(value);
                var digits = conversion == 'o' ? System.Convert.ToString(Math.Abs(n), 8) : Math.Abs(n).ToString(conversion == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                var prefix = flags.Contains('#', StringComparison.Ordinal) ? (conversion == 'o' ? "0o" : conversion == 'x' ? "0x" : "0X") : string.Empty;
                return Signed(n < 0, prefix + digits, flags);
            case 'c':
                return value switch
                {
                    StringValue { Value.Length: > 0 } s when PythonText.Length(s.Value) == 1 => s.Value,
                    BooleanValue or IntegerValue => char.ConvertFromUtf32((int)PythonObjects.ToInteger(value)),
                    _ => throw TemplateError.Type("%c requires int or char"),
                };
            case 'e' or 'E' or 'g' or 'G':
                RequireNumber(value, $"must be real number, not {value.TypeName}");
                var real = PythonObjects.ToDouble(value);
                var magnitude = !double.IsFinite(real) ? (double.IsNaN(real) ? "nan" : "inf")
                    : conversion is 'e' or 'E' ? FloatNotation.Exponent(real, precision ?? 6, flags.Contains('#', StringComparison.Ordinal))
                    : FloatNotation.General(real, precision ?? 6, flags.Contains('#', StringComparison.Ordinal));
                var cased = char.IsUpper(conversion) ? magnitude.ToUpperInvariant() : magnitude;
                return Signed(double.IsNegative(real) && !double.IsNaN(real), cased, flags);
            default:
                throw TemplateError.Runtime($"unsupported format character '{conversion}' (0x{(int)conversion:x})");
        }
    }

    private static void RequireNumber(TemplateValue value, string message)
    {
        if (!PythonObjects.IsNumber(value))
        {
            throw TemplateError.Type(message);
        }
    }

    private static string Signed(bool negative, string magnitude, string flags) =>
        (negative ? "-" : flags.Contains('+', StringComparison.Ordinal) ? "+" : flags.Contains(' ', StringComparison.Ordinal) ? " " : string.Empty) + magnitude;

    private static string Pad(string text, int? width, string flags, char conversion)
    {
        var missing = (width ?? 0) - PythonText.Length(text);
        if (missing <= 0)
        {
            return text;
        }
        if (flags.Contains('-', StringComparison.Ordinal))
        {
            return text + new string(' ', missing);
        }
        if (flags.Contains('0', StringComparison.Ordinal) && conversion is not ('s' or 'r' or 'a' or 'c'))
        {
            // Zeros go after the sign and any 0x prefix.
            var signLength = text.Length > 0 && text[0] is '-' or '+' or ' ' ? 1 : 0;
            if (text.Length > signLength + 1 && text[signLength] == '0' && text[signLength + 1] is 'x' or 'X' or 'o')
            {
                signLength += 2;
            }
            return text[..signLength] + new string('0', missing) + text[signLength..];
        }
        return new string(' ', missing) + text;
    }
}
