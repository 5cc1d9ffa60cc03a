using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>
/// Hugging Face's <c>tojson</c>, which replaces jinja2's HTML-escaping one:
/// <c>json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c>.
/// </summary>
internal static class JsonFilter
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
    {
        ["tojson"] = ToJson,
    };

    private static TemplateValue ToJson(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        var indent = bound[1] switch
        {
            null or NoneValue => null,
            StringValue s => s.Value,
            // json.dumps indents by ' ' * indent: zero or less means newlines without indentation.
            var width => new string(' ', (int)Math.Max(0, AsInteger(width))),
        };
        (string, string)? separators = bound[2] switch
        {
            null or NoneValue => null,
            ListValue { Items.Count: 2 } pair => (AsString(pair.Items[0], "item separator"), AsString(pair.Items[1], "key separator")),
            var other => throw TemplateError.Type($"separators must be a pair of strings, not {other.TypeName}"),
        };
        var json = new PythonJson(indent, separators, sortKeys: AsFlag(bound[3]), ensureAscii: AsFlag(bound[0]));
        return new StringValue(json.Serialize(value));
    }
}
