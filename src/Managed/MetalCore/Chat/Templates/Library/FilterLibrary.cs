using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>A filter: <c>input | name(arguments)</c>.</summary>
internal delegate TemplateValue FilterFunction(TemplateValue input, Arguments arguments);

/// <summary>
/// The filters templates can use: jinja2's builtins (those implemented here) and Hugging Face's
/// <c>tojson</c>. A jinja2 builtin left out is reported as unsupported, by name; a name jinja2 does
/// not know fails the way jinja2 fails.
/// </summary>
internal static class FilterLibrary
{
    // Every filter of jinja2 3.1's environment, plus HF's tojson replacing jinja2's own.
    private static readonly HashSet<string> s_jinjaFilters = new(StringComparer.Ordinal)
    {
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "last",
        "length", "list", "lower", "items", "map", "min", "max", "pprint", "random", "reject", "rejectattr",
        "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags",
        "sum", "title", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
        "xmlattr", "tojson",
    };

    private static readonly Dictionary<string, FilterFunction> s_filters =
        new[] { StringFilters.All, CollectionFilters.All, NumberFilters.All, SelectionFilters.All, JsonFilter.All }
            .SelectMany(group => group)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    /// <summary>Whether jinja2, configured as Hugging Face configures it, has a filter of this name.</summary>
    public static bool IsKnownToJinja(string name) => s_jinjaFilters.Contains(name);

    /// <summary>Applies the filter <paramref name="name"/>.</summary>
    public static TemplateValue Apply(string name, TemplateValue input, Arguments arguments)
    {
        if (s_filters.TryGetValue(name, out var filter))
        {
            return filter(input, arguments);
        }
        throw IsKnownToJinja(name)
            ? TemplateError.Unsupported($"the '{name}' filter is not supported")
            : TemplateError.Runtime($"No filter named '{name}' found.");
    }
}
