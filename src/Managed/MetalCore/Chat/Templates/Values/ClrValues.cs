using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// Turns the .NET values a caller passes to a render (messages, <c>tools</c>, <c>enable_thinking</c>,
/// ...) into template values, the way Python data reaches jinja2 from <c>apply_chat_template</c>:
/// strings, booleans, integers, floats, <c>None</c>, lists and string-keyed dictionaries. JSON
/// documents (<see cref="JsonElement"/>, <see cref="JsonNode"/>) convert as <c>json.loads</c> would.
/// No reflection, so it stays trimming- and AOT-safe.
/// </summary>
internal static class ClrValues
{
    // Deeper data is certainly a cycle (a list holding itself) or a mistake; Python's json would
    // fail on it too.
    private const int MaxDepth = 256;

    public static TemplateValue Convert(object? value, string path) => Convert(value, path, 0);

    private static TemplateValue Convert(object? value, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException(
                $"Chat template variable '{path}' is nested more than {MaxDepth} levels deep (a list or dictionary that contains itself?).");
        }
        return value switch
        {
            null => NoneValue.Instance,
            string text => new StringValue(text),
            bool flag => BooleanValue.Of(flag),
            sbyte or byte or short or ushort or int or uint or long => IntegerValue.Of(System.Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            ulong number when number <= long.MaxValue => IntegerValue.Of((long)number),
            float or double or decimal => new FloatValue(System.Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            char character => new StringValue(character.ToString()),
            JsonElement element => FromJson(element, path, depth),
            JsonObject properties => FromPairs(properties.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)), path, depth),
            JsonValue scalar => FromJsonText(scalar.ToJsonString(), path, depth),
            IEnumerable<KeyValuePair<string, object?>> pairs => FromPairs(pairs, path, depth),
            IDictionary dictionary => FromDictionary(dictionary, path, depth),
            IEnumerable items => FromItems(items, path, depth),
            _ => throw new ArgumentException(
                $"Chat template variable '{path}' has type {value.GetType().FullName}, which templates cannot use: "
                + "pass strings, booleans, numbers, null, lists or dictionaries with string keys (or JSON)."),
        };
    }

    private static DictValue FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs, string path, int depth)
    {
        var dict = new DictValue();
        foreach (var (key, item) in pairs)
        {
            dict.Set(key, Convert(item, $"{path}.{key}", depth + 1));
        }
        return dict;
    }

    private static DictValue FromDictionary(IDictionary dictionary, string path, int depth)
    {
        var dict = new DictValue();
        foreach (DictionaryEntry entry in dictionary)
        {
            if (entry.Key is not string key)
            {
                throw new ArgumentException(
                    $"Chat template variable '{path}' is a dictionary with a key of type {entry.Key.GetType().FullName}: only string keys are supported.");
            }
            dict.Set(key, Convert(entry.Value, $"{path}.{key}", depth + 1));
        }
        return dict;
    }

    private static ListValue FromItems(IEnumerable items, string path, int depth)
    {
        var list = new List<TemplateValue>();
        foreach (var item in items)
        {
            list.Add(Convert(item, $"{path}[{list.Count}]", depth + 1));
        }
        return new ListValue(list);
    }

    private static TemplateValue FromJsonText(string json, string path, int depth)
    {
        using var document = JsonDocument.Parse(json);
        return FromJson(document.RootElement, path, depth);
    }

    private static TemplateValue FromJson(JsonElement element, string path, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new DictValue();
                foreach (var property in element.EnumerateObject())
                {
                    dict.Set(property.Name, Convert(property.Value, $"{path}.{property.Name}", depth + 1));
                }
                return dict;
            case JsonValueKind.Array:
                return FromItems(element.EnumerateArray().Select(item => (object)item), path, depth);
            case JsonValueKind.String:
                return new StringValue(element.GetString()!);
            case JsonValueKind.True:
                return BooleanValue.True;
            case JsonValueKind.False:
                return BooleanValue.False;
            case JsonValueKind.Null:
                return NoneValue.Instance;
            default:
                // json.loads makes a number without a fraction or exponent an int.
                var text = element.GetRawText();
                if (text.AsSpan().IndexOfAny(".eE") < 0)
                {
                    return element.TryGetInt64(out var integer)
                        ? IntegerValue.Of(integer)
                        : throw new ArgumentException($"Chat template variable '{path}' holds the integer {text}, which does not fit in 64 bits.");
                }
                return new FloatValue(element.GetDouble());
        }
    }
}
