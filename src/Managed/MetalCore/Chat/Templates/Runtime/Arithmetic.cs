using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Syntax;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// Python's arithmetic on template values: int and float (bool counting as int), string and list
/// concatenation and repetition, <c>str % args</c> formatting, with Python's results (true division,
/// floor division and modulo rounding toward negative infinity) and its error messages.
/// </summary>
internal static class Arithmetic
{
    public static TemplateValue Apply(BinaryOperator op, TemplateValue left, TemplateValue right)
    {
        ThrowIfUndefined(left);
        ThrowIfUndefined(right);
        try
        {
            return op switch
            {
                BinaryOperator.Add => Add(left, right),
                BinaryOperator.Subtract => Numeric(left, right, "-", (x, y) => checked(x - y), (x, y) => x - y),
                BinaryOperator.Multiply => Multiply(left, right),
                BinaryOperator.Divide => Divide(left, right),
                BinaryOperator.FloorDivide => FloorDivide(left, right),
                BinaryOperator.Modulo => left is StringValue format ? PercentFormat.Apply(format.Value, right) : Modulo(left, right),
                _ => Power(left, right),
            };
        }
        catch (OverflowException)
        {
            // Python's ints are unbounded; these are 64-bit.
            throw TemplateError.Unsupported("integer results beyond 64 bits are not supported");
        }
    }

    /// <summary>Unary minus (<paramref name="negate"/>) or plus.</summary>
    public static TemplateValue Sign(bool negate, TemplateValue operand)
    {
        ThrowIfUndefined(operand);
        return operand switch
        {
            FloatValue f => new FloatValue(negate ? -f.Value : f.Value),
            BooleanValue or IntegerValue => IntegerValue.Of(negate ? -PythonObjects.ToInteger(operand) : PythonObjects.ToInteger(operand)),
            _ => throw TemplateError.Type($"bad operand type for unary {(negate ? '-' : '+')}: '{operand.TypeName}'"),
        };
    }

    private static void ThrowIfUndefined(TemplateValue value)
    {
        if (value is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
    }

    private static TemplateValue Add(TemplateValue left, TemplateValue right)
    {
        switch (left, right)
        {
            case (StringValue x, StringValue y) when x.IsSafe || y.IsSafe:
                // markupsafe's Markup escapes the plain string it is concatenated with.
                return new StringValue(Escape(x) + Escape(y), isSafe: true);
            case (StringValue x, StringValue y):
                return new StringValue(x.Value + y.Value);
            case (ListValue x, ListValue y) when x.Kind == y.Kind && x.Kind is SequenceKind.List or SequenceKind.Tuple:
                return new ListValue([.. x.Items, .. y.Items], x.Kind);
            case (StringValue { IsSafe: false } or ListValue { Kind: SequenceKind.List or SequenceKind.Tuple }, _):
                throw TemplateError.Type($"can only concatenate {left.TypeName} (not \"{right.TypeName}\") to {left.TypeName}");
            default:
                return Numeric(left, right, "+", (x, y) => checked(x + y), (x, y) => x + y);
        }
    }

    private static string Escape(StringValue s) => s.IsSafe ? s.Value : Html.Escape(s.Value);

    private static TemplateValue Multiply(TemplateValue left, TemplateValue right)
    {
        if (left is BooleanValue or IntegerValue && right is StringValue or ListValue)
        {
            (left, right) = (right, left);
        }
        switch (left)
        {
            case StringValue s when right is BooleanValue or IntegerValue:
                return new StringValue(string.Concat(Enumerable.Repeat(s.Value, RepeatCount(right))), s.IsSafe);
            case ListValue { Kind: SequenceKind.List or SequenceKind.Tuple } list when right is BooleanValue or IntegerValue:
                var count = RepeatCount(right);
                return new ListValue([.. Enumerable.Range(0, count).SelectMany(_ => list.Items)], list.Kind);
            case StringValue or ListValue { Kind: SequenceKind.List or SequenceKind.Tuple } when PythonObjects.IsNumber(right):
                throw TemplateError.Type($"can't multiply sequence by non-int of type '{right.TypeName}'");
            default:
                return Numeric(left, right, "*", (x, y) => checked(x * y), (x, y) => x * y);
        }
    }

    private static int RepeatCount(TemplateValue count) =>
        (int)Math.Clamp(PythonObjects.ToInteger(count), 0, int.MaxValue);

    private static TemplateValue Divide(TemplateValue left, TemplateValue right)
    {
        RequireNumbers(left, right, "/");
        var divisor = PythonObjects.ToDouble(right);
        if (divisor == 0)
        {
            throw TemplateError.Runtime(left is FloatValue || right is FloatValue ? "float division by zero" : "division by zero");
        }
        return new FloatValue(PythonObjects.ToDouble(left) / divisor);
    }

    private static TemplateValue FloorDivide(TemplateValue left, TemplateValue right)
    {
        RequireNumbers(left, right, "//");
        if (left is not FloatValue && right is not FloatValue)
        {
            var (x, y) = (PythonObjects.ToInteger(left), PythonObjects.ToInteger(right));
            if (y == 0)
            {
                throw TemplateError.Runtime("integer division or modulo by zero");
            }
            return IntegerValue.Of(FloorDiv(x, y));
        }
        var divisor = PythonObjects.ToDouble(right);
        if (divisor == 0)
        {
            throw TemplateError.Runtime("float floor division by zero");
        }
        // CPython's float floor division: exact through the modulo, then floored.
        var dividend = PythonObjects.ToDouble(left);
        var quotient = (dividend - FloatModulo(dividend, divisor)) / divisor;
        if (quotient == 0)
        {
            return new FloatValue(Math.CopySign(0.0, dividend / divisor));
        }
        var floored = Math.Floor(quotient);
        return new FloatValue(quotient - floored > 0.5 ? floored + 1 : floored);
    }

    private static TemplateValue Modulo(TemplateValue left, TemplateValue right)
    {
        RequireNumbers(left, right, "%");
        if (left is not FloatValue && right is not FloatValue)
        {
            var (x, y) = (PythonObjects.ToInteger(left), PythonObjects.ToInteger(right));
            if (y == 0)
            {
                throw TemplateError.Runtime("integer modulo by zero");
            }
            return IntegerValue.Of(x - FloorDiv(x, y) * y);
        }
        var divisor = PythonObjects.ToDouble(right);
        if (divisor == 0)
        {
            throw TemplateError.Runtime("float modulo");
        }
        return new FloatValue(FloatModulo(PythonObjects.ToDouble(left), divisor));
    }

    private static long FloorDiv(long x, long y)
    {
        var quotient = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? quotient - 1 : quotient;
    }

    // Python's float modulo takes the divisor's sign (a zero result too).
    private static double FloatModulo(double x, double y)
    {
        var remainder = x % y;
        if (remainder == 0)
        {
            return Math.CopySign(0.0, y);
        }
        return (remainder < 0) != (y < 0) ? remainder + y : remainder;
    }

    private static TemplateValue Power(TemplateValue left, TemplateValue right)
    {
        RequireNumbers(left, right, "** or pow()");
        if (left is not FloatValue && right is not FloatValue && PythonObjects.ToInteger(right) >= 0)
        {
            var (x, y) = (PythonObjects.ToInteger(left), PythonObjects.ToInteger(right));
            var result = x switch
            {
                0 => y == 0 ? 1 : 0,
                1 => 1,
                -1 => y % 2 == 0 ? 1 : -1,
                _ => 1L,
            };
            // Any other base overflows 64 bits within 63 multiplications.
            for (var i = 0L; i < y && x is not (0 or 1 or -1); i++)
            {
                result = checked(result * x);
            }
            return IntegerValue.Of(result);
        }
        var (b, e) = (PythonObjects.ToDouble(left), PythonObjects.ToDouble(right));
        if (b == 0 && e < 0)
        {
            throw TemplateError.Runtime("0.0 cannot be raised to a negative power");
        }
        if (b < 0 && Math.Floor(e) != e)
        {
            throw TemplateError.Unsupported("complex numbers (a negative number to a fractional power) are not supported");
        }
        return new FloatValue(Math.Pow(b, e));
    }

    private static TemplateValue Numeric(
        TemplateValue left, TemplateValue right, string symbol, Func<long, long, long> integers, Func<double, double, double> floats)
    {
        RequireNumbers(left, right, symbol);
        return left is FloatValue || right is FloatValue
            ? new FloatValue(floats(PythonObjects.ToDouble(left), PythonObjects.ToDouble(right)))
            : IntegerValue.Of(integers(PythonObjects.ToInteger(left), PythonObjects.ToInteger(right)));
    }

    private static void RequireNumbers(TemplateValue left, TemplateValue right, string symbol)
    {
        if (!PythonObjects.IsNumber(left) || !PythonObjects.IsNumber(right))
        {
            throw TemplateError.Type($"unsupported operand type(s) for {symbol}: '{left.TypeName}' and '{right.TypeName}'");
        }
    }
}
