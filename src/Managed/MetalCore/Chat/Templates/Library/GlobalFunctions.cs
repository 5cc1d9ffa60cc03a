using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>
/// The global functions of Hugging Face's chat-template environment: jinja2's <c>range</c>,
/// <c>dict</c> and <c>namespace</c>, and HF's <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
internal static class GlobalFunctions
{
    // The sandbox's limit on range().
    private const long MaxRange = 100_000;

    public static IEnumerable<KeyValuePair<string, TemplateValue>> Create(TimeProvider clock) =>
    [
        new("range", CallableValue.Function("range", Range)),
        new("dict", CallableValue.Function("dict", arguments => Dict("dict", arguments))),
        new("namespace", CallableValue.Function("namespace", Namespace)),
        new("raise_exception", CallableValue.Function("raise_exception", RaiseException)),
        new("strftime_now", CallableValue.Function("strftime_now", arguments =>
        {
            var format = AsString(arguments.Bind("strftime_now", 1, "format")[0]!, "strftime() argument 1");
            // HF calls datetime.now(): the naive local time.
            return new StringValue(Strftime.Format(clock.GetLocalNow().DateTime, format));
        })),
        Unsupported("lipsum"),
        Unsupported("cycler"),
        Unsupported("joiner"),
    ];

    private static KeyValuePair<string, TemplateValue> Unsupported(string name) =>
        new(name, CallableValue.Function(name, _ => throw TemplateError.Unsupported($"the global '{name}' is not supported")));

    private static TemplateValue RaiseException(Arguments arguments)
    {
        var message = arguments.Bind("raise_exception", 1, "message")[0]!;
        throw new TemplateError(ChatTemplateErrorKind.RaisedByTemplate, PythonRepr.Str(message));
    }

    private static TemplateValue Range(Arguments arguments)
    {
        if (arguments.Named.Count != 0)
        {
            throw TemplateError.Type("range() takes no keyword arguments");
        }
        var numbers = arguments.Positional.Select(AsInteger).ToArray();
        var (start, stop, step) = numbers.Length switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw TemplateError.Type($"range expected at most 3 arguments, got {numbers.Length}"),
        };
        if (step == 0)
        {
            throw TemplateError.Runtime("range() arg 3 must not be zero");
        }
        var count = step > 0
            ? (stop > start ? (stop - start - 1) / step + 1 : 0)
            : (stop < start ? (start - stop - 1) / -step + 1 : 0);
        if (count > MaxRange)
        {
            throw TemplateError.Runtime($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        }
        var items = new TemplateValue[count];
        for (var i = 0L; i < count; i++)
        {
            items[i] = IntegerValue.Of(start + i * step);
        }
        return new RangeValue(start, stop, step, items);
    }

    /// <summary>Python's <c>dict(mapping_or_pairs, **kwargs)</c>.</summary>
    private static DictValue Dict(string function, Arguments arguments)
    {
        if (arguments.Positional.Count > 1)
        {
            throw TemplateError.Type($"{function} expected at most 1 argument, got {arguments.Positional.Count}");
        }
        var dict = new DictValue();
        if (arguments.Positional.Count == 1)
        {
            var source = arguments.Positional[0];
            if (source is DictValue mapping)
            {
                foreach (var (key, value) in mapping.Entries)
                {
                    dict.Set(key, value);
                }
            }
            else
            {
                var index = 0;
                foreach (var pair in PythonObjects.Iterate(source))
                {
                    var items = PythonObjects.Iterate(pair).ToList();
                    if (items.Count != 2)
                    {
                        throw TemplateError.Runtime(
                            $"dictionary update sequence element #{index} has length {items.Count}; 2 is required");
                    }
                    dict.Set(items[0], items[1]);
                    index++;
                }
            }
        }
        foreach (var (name, value) in arguments.Named)
        {
            dict.Set(name, value);
        }
        return dict;
    }

    private static NamespaceValue Namespace(Arguments arguments)
    {
        var ns = new NamespaceValue();
        foreach (var (key, value) in Dict("namespace", arguments).Entries)
        {
            ns.Set(key is StringValue s ? s.Value : PythonRepr.Str(key), value);
        }
        return ns;
    }
}
