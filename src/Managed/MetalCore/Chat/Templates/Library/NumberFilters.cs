using System.Globalization;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>jinja2's number filters: abs, int, float, round.</summary>
internal static class NumberFilters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
    {
        ["abs"] = Abs,
        ["int"] = ToInteger,
        ["float"] = ToFloat,
        ["round"] = Round,
    };

    private static TemplateValue Abs(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("abs");
        return value switch
        {
            FloatValue f => new FloatValue(Math.Abs(f.Value)),
            BooleanValue or IntegerValue => IntegerValue.Of(Math.Abs(PythonObjects.ToInteger(value))),
            UndefinedValue undefined => throw undefined.Failure(),
            _ => throw TemplateError.Type($"bad operand type for abs(): '{value.TypeName}'"),
        };
    }

    // jinja2: int(value, base) for strings, int(value) otherwise; failing that int(float(value)),
    // so "42.23"|int is 42; failing that the default. An undefined value raises.
    private static TemplateValue ToInteger(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("int", "default", "base");
        var fallback = bound[0] ?? IntegerValue.Of(0);
        switch (value)
        {
            case UndefinedValue undefined:
                throw undefined.Failure();
            case BooleanValue or IntegerValue:
                return IntegerValue.Of(PythonObjects.ToInteger(value));
            case FloatValue f:
                return double.IsFinite(f.Value) ? IntegerValue.Of((long)Math.Truncate(f.Value)) : fallback;
            case StringValue s:
                if (PythonNumbers.TryParseInteger(s.Value, AsOptionalInteger(bound[1], 10), out var parsed))
                {
                    return IntegerValue.Of(parsed);
                }
                return PythonNumbers.TryParseFloat(s.Value, out var number) && double.IsFinite(number)
                    ? IntegerValue.Of((long)Math.Truncate(number))
                    : fallback;
            default:
                return fallback;
        }
    }

    private static TemplateValue ToFloat(TemplateValue value, Arguments arguments)
    {
        var fallback = arguments.Bind("float", "default")[0] ?? new FloatValue(0.0);
        return value switch
        {
            UndefinedValue undefined => throw undefined.Failure(),
            FloatValue => value,
            BooleanValue or IntegerValue => new FloatValue(PythonObjects.ToInteger(value)),
            StringValue s when PythonNumbers.TryParseFloat(s.Value, out var number) => new FloatValue(number),
            _ => fallback,
        };
    }

    private static TemplateValue Round(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("round", "precision", "method");
        var precision = (int)AsOptionalInteger(bound[0], 0);
        var method = bound[1] is null ? "common" : PythonRepr.Str(bound[1]!);
        if (method is not ("common" or "ceil" or "floor"))
        {
            throw TemplateError.Runtime("method must be common, ceil or floor");
        }
        if (value is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
        if (!PythonObjects.IsNumber(value))
        {
            throw TemplateError.Type($"type {value.TypeName} doesn't define __round__ method");
        }
        if (method != "common")
        {
            // math.ceil/floor(value * 10**precision) / 10**precision: always a float.
            var scale = Math.Pow(10, precision);
            var scaled = PythonObjects.ToDouble(value) * scale;
            return new FloatValue((method == "ceil" ? Math.Ceiling(scaled) : Math.Floor(scaled)) / scale);
        }
        if (value is FloatValue f)
        {
            return double.IsFinite(f.Value)
                ? new FloatValue(double.Parse(ExactDecimal.Format(f.Value, precision), CultureInfo.InvariantCulture))
                : value;
        }
        // round() of an int stays an int (rounded to tens, hundreds... for a negative precision).
        return precision >= 0
            ? IntegerValue.Of(PythonObjects.ToInteger(value))
            : IntegerValue.Of(long.Parse(ExactDecimal.Format(PythonObjects.ToInteger(value), precision), CultureInfo.InvariantCulture));
    }
}
