using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>jinja2's filters on sequences and mappings: length, first, last, join, list, items, sort, unique, ...</summary>
internal static class CollectionFilters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
    {
        ["length"] = Length,
        ["count"] = Length,
        ["first"] = First,
        ["last"] = Last,
        ["join"] = Join,
        ["list"] = (value, a) =>
        {
            a.Bind("list");
            return new ListValue([.. PythonObjects.Iterate(value)]);
        },
        ["items"] = Items,
        ["dictsort"] = DictSort,
        ["sort"] = Sort,
        ["unique"] = Unique,
        ["reverse"] = Reverse,
        ["min"] = (value, a) => MinOrMax(value, a, "min", wantMax: false),
        ["max"] = (value, a) => MinOrMax(value, a, "max", wantMax: true),
        ["sum"] = Sum,
        ["batch"] = Batch,
        ["slice"] = Slice,
        ["default"] = Default,
        ["d"] = Default,
        ["attr"] = (value, a) => MemberAccess.GetPythonAttribute(value, AsString(a.Bind("attr", 1, "name")[0]!, "attribute name")),
    };

    private static TemplateValue Length(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("length");
        return IntegerValue.Of(PythonObjects.Length(value));
    }

    private static TemplateValue First(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("first");
        foreach (var item in PythonObjects.Iterate(value))
        {
            return item;
        }
        return UndefinedValue.WithHint("No first item, sequence was empty.");
    }

    private static TemplateValue Last(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("last");
        foreach (var item in Reversed(value))
        {
            return item;
        }
        return UndefinedValue.WithHint("No last item, sequence was empty.");
    }

    /// <summary>Python's <c>reversed(value)</c>: sequences, dicts (by key) and dict views; not iterators.</summary>
    private static IEnumerable<TemplateValue> Reversed(TemplateValue value) => value switch
    {
        ListValue or DictValue or StringValue or UndefinedValue => PythonObjects.Iterate(value).Reverse(),
        _ => throw TemplateError.Type($"'{value.TypeName}' object is not reversible"),
    };

    private static TemplateValue Join(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("join", "d", "attribute");
        var separator = bound[0] is null ? string.Empty : PythonRepr.Str(bound[0]!);
        var items = PythonObjects.Iterate(value);
        if (bound[1] is { } attribute)
        {
            var getter = new AttributeGetter(attribute);
            items = items.Select(getter.Get);
        }
        return new StringValue(string.Join(separator, items.Select(PythonRepr.Str)));
    }

    private static TemplateValue Items(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("items");
        return value switch
        {
            UndefinedValue => new IteratorValue("generator", []),
            DictValue dict => new IteratorValue("generator", dict.Entries.Select(e => (TemplateValue)ListValue.Tuple(e.Key, e.Value))),
            _ => throw TemplateError.Type("Can only get item pairs from a mapping."),
        };
    }

    private static TemplateValue DictSort(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("dictsort", "case_sensitive", "by", "reverse");
        var position = bound[1] is null ? "key" : PythonRepr.Str(bound[1]!);
        if (position is not ("key" or "value"))
        {
            throw TemplateError.Runtime("You can only sort by either \"key\" or \"value\"");
        }
        var dict = value as DictValue ?? throw TemplateError.Type($"'{value.TypeName}' object has no attribute 'items'");
        var ignoreCase = !AsFlag(bound[0]);
        TemplateValue Key(KeyValuePair<TemplateValue, TemplateValue> entry)
        {
            var key = position == "key" ? entry.Key : entry.Value;
            return ignoreCase && key is StringValue s ? new StringValue(PythonText.Lower(s.Value)) : key;
        }
        var sorted = PythonSort.Sorted(dict.Entries, Key, AsFlag(bound[2]));
        return new ListValue([.. sorted.Select(e => (TemplateValue)ListValue.Tuple(e.Key, e.Value))]);
    }

    private static TemplateValue Sort(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("sort", "reverse", "case_sensitive", "attribute");
        var key = AttributeGetter.Multiple(bound[2], ignoreCase: !AsFlag(bound[1]));
        return new ListValue([.. PythonSort.Sorted(PythonObjects.Iterate(value), key, AsFlag(bound[0]))]);
    }

    private static TemplateValue Unique(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("unique", "case_sensitive", "attribute");
        var getter = new AttributeGetter(bound[1], ignoreCase: !AsFlag(bound[0]));
        IEnumerable<TemplateValue> Distinct()
        {
            var seen = new HashSet<TemplateValue>(PythonKeyComparer.Instance);
            foreach (var item in PythonObjects.Iterate(value))
            {
                if (seen.Add(getter.Get(item)))
                {
                    yield return item;
                }
            }
        }
        return new IteratorValue("generator", Distinct());
    }

    private static TemplateValue Reverse(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("reverse");
        return value switch
        {
            StringValue s => new StringValue(PythonText.FromCodePoints(PythonText.CodePoints(s.Value).Reverse()), s.IsSafe),
            ListValue or DictValue or UndefinedValue => new IteratorValue(
                value is ListValue { Kind: SequenceKind.List } ? "list_reverseiterator" : "reversed", Reversed(value)),
            // Not reversible: jinja2 falls back to a reversed list.
            _ => new ListValue([.. PythonObjects.Iterate(value).Reverse()]),
        };
    }

    private static TemplateValue MinOrMax(TemplateValue value, Arguments arguments, string name, bool wantMax)
    {
        var bound = arguments.Bind(name, "case_sensitive", "attribute");
        var items = PythonObjects.Iterate(value).ToList();
        if (items.Count == 0)
        {
            return UndefinedValue.WithHint("No aggregated item, sequence was empty.");
        }
        var getter = new AttributeGetter(bound[1], ignoreCase: !AsFlag(bound[0]));
        var best = items[0];
        var bestKey = getter.Get(best);
        foreach (var item in items.Skip(1))
        {
            var key = getter.Get(item);
            var order = PythonObjects.Compare(key, bestKey, wantMax ? ">" : "<");
            // Python's min and max keep the first of equal items.
            if (order is { } o && (wantMax ? o > 0 : o < 0))
            {
                (best, bestKey) = (item, key);
            }
        }
        return best;
    }

    private static TemplateValue Sum(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("sum", "attribute", "start");
        var items = PythonObjects.Iterate(value);
        if (bound[0] is { } attribute)
        {
            var getter = new AttributeGetter(attribute);
            items = items.Select(getter.Get);
        }
        return items.Aggregate(bound[1] ?? IntegerValue.Of(0), (total, item) => Arithmetic.Apply(Syntax.BinaryOperator.Add, total, item));
    }

    private static TemplateValue Batch(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("batch", 1, "linecount", "fill_with");
        var size = AsInteger(bound[0]!);
        var fill = bound[1] is null or NoneValue ? null : bound[1];
        IEnumerable<TemplateValue> Batches()
        {
            var batch = new List<TemplateValue>();
            foreach (var item in PythonObjects.Iterate(value))
            {
                if (batch.Count == size)
                {
                    yield return new ListValue(batch);
                    batch = [];
                }
                batch.Add(item);
            }
            if (batch.Count != 0)
            {
                while (fill is not null && batch.Count < size)
                {
                    batch.Add(fill);
                }
                yield return new ListValue(batch);
            }
        }
        return new IteratorValue("generator", Batches());
    }

    private static TemplateValue Slice(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("slice", 1, "slices", "fill_with");
        var slices = (int)AsInteger(bound[0]!);
        var fill = bound[1] is null or NoneValue ? null : bound[1];
        var items = PythonObjects.Iterate(value).ToList();
        IEnumerable<TemplateValue> Slices()
        {
            var perSlice = items.Count / slices;
            var withExtra = items.Count % slices;
            var offset = 0;
            for (var number = 0; number < slices; number++)
            {
                var start = offset + number * perSlice;
                if (number < withExtra)
                {
                    offset++;
                }
                var end = offset + (number + 1) * perSlice;
                var slice = items.GetRange(start, end - start);
                if (fill is not null && number >= withExtra)
                {
                    slice.Add(fill);
                }
                yield return new ListValue(slice);
            }
        }
        return new IteratorValue("generator", Slices());
    }

    private static TemplateValue Default(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("default", "default_value", "boolean");
        var useDefault = value is UndefinedValue || (AsFlag(bound[1]) && !value.IsTruthy);
        return useDefault ? bound[0] ?? StringValue.Empty : value;
    }
}
