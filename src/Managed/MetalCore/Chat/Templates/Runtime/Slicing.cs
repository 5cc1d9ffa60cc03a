using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>Python's <c>sequence[start:stop:step]</c> on strings (by code point), lists and tuples.</summary>
internal static class Slicing
{
    public static TemplateValue Apply(TemplateValue target, TemplateValue? start, TemplateValue? stop, TemplateValue? step)
    {
        switch (target)
        {
            case UndefinedValue undefined:
                throw undefined.Failure();
            case StringValue s:
                var codePoints = PythonText.CodePoints(s.Value);
                return new StringValue(PythonText.FromCodePoints(Indices(codePoints.Length, start, stop, step).Select(i => codePoints[i])), s.IsSafe);
            case ListValue { IsSubscriptable: true } list:
                var items = Indices(list.Items.Count, start, stop, step).Select(i => list.Items[i]).ToList();
                // A slice of a range is a range in Python; a list is close enough for printing-free uses.
                return new ListValue(items, list.Kind == SequenceKind.Tuple ? SequenceKind.Tuple : SequenceKind.List);
            default:
                // jinja2's getitem turns the TypeError into an undefined value.
                return UndefinedValue.WithHint($"{target.ObjectTypeDescription} has no element slice({Part(start)}, {Part(stop)}, {Part(step)})");
        }
    }

    private static string Part(TemplateValue? value) => value is null ? "None" : PythonRepr.Repr(value);

    /// <summary>CPython's PySlice_AdjustIndices: the indices a slice selects from a sequence of <paramref name="length"/>.</summary>
    private static IEnumerable<int> Indices(int length, TemplateValue? startValue, TemplateValue? stopValue, TemplateValue? stepValue)
    {
        var step = Index(stepValue) ?? 1;
        if (step == 0)
        {
            throw TemplateError.Runtime("slice step cannot be zero");
        }
        long Adjust(long? index, long fallback)
        {
            if (index is not { } i)
            {
                return fallback;
            }
            if (i < 0)
            {
                i += length;
                return i < 0 ? (step < 0 ? -1 : 0) : i;
            }
            return i >= length ? (step < 0 ? length - 1 : length) : i;
        }
        var start = Adjust(Index(startValue), step < 0 ? length - 1 : 0);
        var stop = Adjust(Index(stopValue), step < 0 ? -1 : length);
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            yield return (int)i;
        }
    }

    private static long? Index(TemplateValue? value) => value switch
    {
        null or NoneValue => null,
        BooleanValue or IntegerValue => PythonObjects.ToInteger(value),
        _ => throw TemplateError.Type("slice indices must be integers or None or have an __index__ method"),
    };
}
