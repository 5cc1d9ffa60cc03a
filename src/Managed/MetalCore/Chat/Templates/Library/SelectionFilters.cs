using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>
/// jinja2's select, reject, selectattr, rejectattr and map. Like jinja2 they return one-shot
/// generators: <c>|list</c> them to count or print.
/// </summary>
internal static class SelectionFilters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
    {
        ["select"] = (value, a) => Select(value, a, byAttribute: false, keep: true),
        ["reject"] = (value, a) => Select(value, a, byAttribute: false, keep: false),
        ["selectattr"] = (value, a) => Select(value, a, byAttribute: true, keep: true),
        ["rejectattr"] = (value, a) => Select(value, a, byAttribute: true, keep: false),
        ["map"] = Map,
    };

    private static IteratorValue Select(TemplateValue value, Arguments arguments, bool byAttribute, bool keep)
    {
        IEnumerable<TemplateValue> Selected()
        {
            // jinja2 checks the arguments only for a non-empty input.
            if (!value.IsTruthy)
            {
                yield break;
            }
            var positional = arguments.Positional;
            var offset = 0;
            Func<TemplateValue, TemplateValue> transform = item => item;
            if (byAttribute)
            {
                if (positional.Count == 0)
                {
                    throw TemplateError.Runtime("Missing parameter for attribute name");
                }
                transform = new AttributeGetter(positional[0]).Get;
                offset = 1;
            }
            Func<TemplateValue, bool> test = item => item.IsTruthy;
            if (positional.Count > offset)
            {
                var name = PythonRepr.Str(positional[offset]);
                var testArguments = new Arguments([.. positional.Skip(offset + 1)], arguments.Named);
                test = item => TestLibrary.Apply(name, item, testArguments);
            }
            foreach (var item in PythonObjects.Iterate(value))
            {
                if (test(transform(item)) == keep)
                {
                    yield return item;
                }
            }
        }
        return new IteratorValue("generator", Selected());
    }

    private static IteratorValue Map(TemplateValue value, Arguments arguments)
    {
        Func<TemplateValue, TemplateValue> function;
        if (arguments.Positional.Count == 0 && arguments.Named.Any(n => n.Key == "attribute"))
        {
            var named = arguments.Named.ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal);
            var unexpected = named.Keys.FirstOrDefault(k => k is not ("attribute" or "default"));
            if (unexpected is not null)
            {
                throw TemplateError.Runtime($"Unexpected keyword argument '{unexpected}'");
            }
            function = new AttributeGetter(named["attribute"], named.GetValueOrDefault("default")).Get;
        }
        else
        {
            if (arguments.Positional.Count == 0)
            {
                throw TemplateError.Runtime("map requires a filter argument");
            }
            var name = PythonRepr.Str(arguments.Positional[0]);
            var filterArguments = new Arguments([.. arguments.Positional.Skip(1)], arguments.Named);
            function = item => FilterLibrary.Apply(name, item, filterArguments);
        }
        IEnumerable<TemplateValue> Mapped()
        {
            if (!value.IsTruthy)
            {
                yield break;
            }
            foreach (var item in PythonObjects.Iterate(value))
            {
                yield return function(item);
            }
        }
        return new IteratorValue("generator", Mapped());
    }
}
