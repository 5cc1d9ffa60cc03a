using System.Globalization;
using System.Text;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>json.dumps</c>, which Hugging Face's <c>tojson</c> filter calls with
/// <c>ensure_ascii=False</c> by default: key order kept unless sorted, ", " and ": " separators
/// (or "," and ": " with an indent), floats as Python prints them, non-ASCII text left as is.
/// </summary>
internal sealed class PythonJson
{
    private readonly string? _indent;
    private readonly string _itemSeparator;
    private readonly string _keySeparator;
    private readonly bool _sortKeys;
    private readonly bool _ensureAscii;

    /// <param name="indent">null for one line; otherwise the text repeated per nesting level.</param>
    /// <param name="separators">item and key separators; null for Python's defaults.</param>
    /// <param name="sortKeys">sort object members by key.</param>
    /// <param name="ensureAscii">escape every non-ASCII character as \uXXXX.</param>
    public PythonJson(string? indent, (string Item, string Key)? separators, bool sortKeys, bool ensureAscii)
    {
        _indent = indent;
        (_itemSeparator, _keySeparator) = separators ?? (indent is null ? (", ", ": ") : (",", ": "));
        _sortKeys = sortKeys;
        _ensureAscii = ensureAscii;
    }

    public string Serialize(TemplateValue value)
    {
        var builder = new StringBuilder();
        Write(builder, value, 0);
        return builder.ToString();
    }

    private void Write(StringBuilder builder, TemplateValue value, int level)
    {
        StackGuard.Ensure();
        switch (value)
        {
            case NoneValue:
                builder.Append("null");
                break;
            case BooleanValue b:
                builder.Append(b.Value ? "true" : "false");
                break;
            case IntegerValue i:
                builder.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case FloatValue f:
                builder.Append(FloatText(f.Value));
                break;
            case StringValue s:
                WriteString(builder, s.Value);
                break;
            case ListValue { Kind: SequenceKind.List or SequenceKind.Tuple } list:
                WriteContainer(builder, '[', ']', list.Items, level, (item, nested) => Write(builder, item, nested));
                break;
            case DictValue dict:
                WriteContainer(builder, '{', '}', Members(dict), level, (entry, nested) =>
                {
                    WriteString(builder, KeyText(entry.Key));
                    builder.Append(_keySeparator);
                    Write(builder, entry.Value, nested);
                });
                break;
            default:
                throw TemplateError.Type($"Object of type {value.TypeName} is not JSON serializable");
        }
    }

    private void WriteContainer<T>(StringBuilder builder, char open, char close, IReadOnlyList<T> items, int level, Action<T, int> writeItem)
    {
        if (items.Count == 0)
        {
            builder.Append(open).Append(close);
            return;
        }
        var nested = level + 1;
        var newline = _indent is null ? string.Empty : "\n" + string.Concat(Enumerable.Repeat(_indent, nested));
        builder.Append(open).Append(newline);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(_itemSeparator).Append(newline);
            }
            writeItem(items[i], nested);
        }
        if (_indent is not null)
        {
            builder.Append('\n').Append(string.Concat(Enumerable.Repeat(_indent, level)));
        }
        builder.Append(close);
    }

    private List<KeyValuePair<TemplateValue, TemplateValue>> Members(DictValue dict)
    {
        var members = dict.Entries.ToList();
        if (_sortKeys)
        {
            // Python sorts the original keys, so mixed key types fail as they do there; the sort is stable.
            return [.. members.OrderBy(m => m.Key, Comparer<TemplateValue>.Create(PythonObjects.Compare))];
        }
        return members;
    }

    private static string KeyText(TemplateValue key) => key switch
    {
        StringValue s => s.Value,
        BooleanValue b => b.Value ? "true" : "false",
        NoneValue => "null",
        IntegerValue i => i.Value.ToString(CultureInfo.InvariantCulture),
        FloatValue f => FloatText(f.Value),
        _ => throw TemplateError.Type($"keys must be str, int, float, bool or None, not {key.TypeName}"),
    };

    private static string FloatText(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : PythonFloat.Repr(value);

    private void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                default:
                    // ensure_ascii escapes everything outside space..'~' (UTF-16 units, as Python's
                    // surrogate pairs); otherwise only control characters are escaped.
                    if (c < 0x20 || (_ensureAscii && c > '~'))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }
}
