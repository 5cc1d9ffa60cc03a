using System.Runtime.CompilerServices;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// Python's object protocols on template values: <c>==</c>, <c>hash</c>, ordering, <c>len</c>,
/// <c>iter</c> and <c>in</c>, with the TypeError messages Python gives when a type lacks one.
/// </summary>
internal static class PythonObjects
{
    /// <summary>Python's <c>a == b</c>.</summary>
    public static bool AreEqual(TemplateValue a, TemplateValue b)
    {
        StackGuard.Ensure();
        if (IsNumber(a) && IsNumber(b))
        {
            return NumberEquals(a, b);
        }
        return (a, b) switch
        {
            (StringValue x, StringValue y) => string.Equals(x.Value, y.Value, StringComparison.Ordinal),
            (NoneValue, NoneValue) or (UndefinedValue, UndefinedValue) => true,
            (ListValue x, ListValue y) => SameSequenceType(x, y) && SequenceEquals(x.Items, y.Items),
            (DictValue x, DictValue y) => x.Count == y.Count
                && x.Entries.All(e => y.TryGetValue(e.Key, out var other) && AreEqual(e.Value, other)),
            _ => ReferenceEquals(a, b),
        };
    }

    // list == tuple is False in Python; dict views compare by content only among themselves.
    private static bool SameSequenceType(ListValue x, ListValue y) =>
        x.Kind == y.Kind && x.Kind != SequenceKind.DictValues;

    private static bool SequenceEquals(IReadOnlyList<TemplateValue> x, IReadOnlyList<TemplateValue> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }
        for (var i = 0; i < x.Count; i++)
        {
            if (!AreEqual(x[i], y[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Python's <c>hash(value)</c>, consistent with <see cref="AreEqual"/>; lists and dicts are unhashable.</summary>
    public static int Hash(TemplateValue value)
    {
        StackGuard.Ensure();
        switch (value)
        {
            case NoneValue:
                return 0x2f1;
            case UndefinedValue:
                return 0x3a7;
            case BooleanValue or IntegerValue or FloatValue:
                var number = ToDouble(value);
                // 1, 1.0 and True are one key: hash integral numbers as integers.
                return Math.Floor(number) == number && Math.Abs(number) < 9.2e18
                    ? ((long)number).GetHashCode()
                    : number.GetHashCode();
            case StringValue s:
                return string.GetHashCode(s.Value, StringComparison.Ordinal);
            case ListValue { Kind: SequenceKind.Tuple or SequenceKind.Range } tuple:
                var hash = new HashCode();
                foreach (var item in tuple.Items)
                {
                    hash.Add(Hash(item));
                }
                return hash.ToHashCode();
            case ListValue or DictValue:
                throw TemplateError.Type($"unhashable type: '{value.TypeName}'");
            default:
                return RuntimeHelpers.GetHashCode(value);
        }
    }

    /// <summary>
    /// Python's ordering (<c>&lt;</c>): numbers, strings by code point, lists and tuples item by item.
    /// Other combinations raise Python's TypeError. NaN compares as unordered: callers use
    /// <see cref="Compare(TemplateValue, TemplateValue, string)"/> for operators.
    /// </summary>
    public static int Compare(TemplateValue a, TemplateValue b) => Compare(a, b, "<") ?? 0;

    /// <summary>
    /// Orders two values for the comparison operator <paramref name="op"/> (named in the TypeError);
    /// null when the values are unordered (a NaN).
    /// </summary>
    public static int? Compare(TemplateValue a, TemplateValue b, string op)
    {
        StackGuard.Ensure();
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is not FloatValue && b is not FloatValue)
            {
                return ToInteger(a).CompareTo(ToInteger(b));
            }
            var (x, y) = (ToDouble(a), ToDouble(b));
            return double.IsNaN(x) || double.IsNaN(y) ? null : x.CompareTo(y);
        }
        switch (a, b)
        {
            case (StringValue x, StringValue y):
                return PythonText.Compare(x.Value, y.Value);
            case (ListValue x, ListValue y) when x.Kind == y.Kind && x.Kind is SequenceKind.List or SequenceKind.Tuple:
                for (var i = 0; i < Math.Min(x.Items.Count, y.Items.Count); i++)
                {
                    if (!AreEqual(x.Items[i], y.Items[i]))
                    {
                        return Compare(x.Items[i], y.Items[i], op);
                    }
                }
                return x.Items.Count.CompareTo(y.Items.Count);
            case (UndefinedValue u, _):
                throw u.Failure();
            case (_, UndefinedValue u):
                throw u.Failure();
            default:
                throw TemplateError.Type($"'{op}' not supported between instances of '{a.TypeName}' and '{b.TypeName}'");
        }
    }

    /// <summary>Python's <c>len(value)</c>, in code points for strings; 0 for an undefined value.</summary>
    public static long Length(TemplateValue value) => value switch
    {
        StringValue s => PythonText.Length(s.Value),
        ListValue list => list.Items.Count,
        DictValue dict => dict.Count,
        UndefinedValue => 0,
        _ => throw TemplateError.Type($"object of type '{value.TypeName}' has no len()"),
    };

    /// <summary>Python's <c>iter(value)</c>: strings by character, dicts by key, undefined as empty.</summary>
    public static IEnumerable<TemplateValue> Iterate(TemplateValue value) => value switch
    {
        StringValue s => PythonText.Characters(s.Value).Select(c => (TemplateValue)new StringValue(c)),
        ListValue list => list.Items,
        DictValue dict => dict.Entries.Select(e => e.Key),
        IteratorValue iterator => iterator.Consume(),
        UndefinedValue => [],
        _ => throw TemplateError.Type($"'{value.TypeName}' object is not iterable"),
    };

    /// <summary>Whether <c>iter(value)</c> succeeds (jinja2's <c>iterable</c> test).</summary>
    public static bool IsIterable(TemplateValue value) =>
        value is StringValue or ListValue or DictValue or IteratorValue or UndefinedValue;

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(TemplateValue container, TemplateValue item)
    {
        switch (container)
        {
            case StringValue s when item is StringValue sub:
                return s.Value.Contains(sub.Value, StringComparison.Ordinal);
            case StringValue:
                throw TemplateError.Type($"'in <string>' requires string as left operand, not {item.TypeName}");
            case DictValue dict:
                return dict.ContainsKey(item);
            case ListValue or IteratorValue or UndefinedValue:
                return Iterate(container).Any(candidate => ReferenceEquals(candidate, item) || AreEqual(candidate, item));
            default:
                throw TemplateError.Type($"argument of type '{container.TypeName}' is not iterable");
        }
    }

    /// <summary>Python's bool, int and float: the numbers (a bool is an int).</summary>
    public static bool IsNumber(TemplateValue value) => value is BooleanValue or IntegerValue or FloatValue;

    /// <summary>The integer value of a bool or int.</summary>
    public static long ToInteger(TemplateValue value) => value switch
    {
        BooleanValue b => b.Value ? 1 : 0,
        IntegerValue i => i.Value,
        _ => throw new InvalidOperationException($"{value.TypeName} is not an integer"),
    };

    /// <summary>The value of a number as a double.</summary>
    public static double ToDouble(TemplateValue value) => value is FloatValue f ? f.Value : ToInteger(value);

    private static bool NumberEquals(TemplateValue a, TemplateValue b)
    {
        if (a is FloatValue || b is FloatValue)
        {
            return ToDouble(a) == ToDouble(b);
        }
        return ToInteger(a) == ToInteger(b);
    }
}
