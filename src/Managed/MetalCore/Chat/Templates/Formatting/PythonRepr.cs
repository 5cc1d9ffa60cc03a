using System.Globalization;
using System.Text;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of template values: what <c>{{ value }}</c>, <c>~</c> and
/// the <c>string</c> filter print, e.g. <c>None</c>, <c>True</c>, <c>['a', 1]</c>, <c>{'k': (1,)}</c>.
/// </summary>
internal static class PythonRepr
{
    /// <summary><c>str(value)</c>; jinja2 prints an undefined value as nothing.</summary>
    public static string Str(TemplateValue value) => value switch
    {
        StringValue s => s.Value,
        UndefinedValue => string.Empty,
        _ => Repr(value),
    };

    /// <summary><c>repr(value)</c>.</summary>
    public static string Repr(TemplateValue value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, TemplateValue value)
    {
        StackGuard.Ensure();
        switch (value)
        {
            case NoneValue:
                builder.Append("None");
                break;
            case BooleanValue b:
                builder.Append(b.Value ? "True" : "False");
                break;
            case IntegerValue i:
                builder.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case FloatValue f:
                builder.Append(PythonFloat.Repr(f.Value));
                break;
            case StringValue { IsSafe: true } s:
                builder.Append("Markup(").Append(QuoteString(s.Value)).Append(')');
                break;
            case StringValue s:
                builder.Append(QuoteString(s.Value));
                break;
            case UndefinedValue:
                builder.Append("Undefined");
                break;
            case RangeValue r:
                builder.Append("range(").Append(r.Start).Append(", ").Append(r.Stop);
                if (r.Step != 1)
                {
                    builder.Append(", ").Append(r.Step);
                }
                builder.Append(')');
                break;
            case ListValue list:
                AppendSequence(builder, list);
                break;
            case DictValue dict:
                AppendDict(builder, dict.Entries);
                break;
            case NamespaceValue ns:
                builder.Append("<Namespace ");
                AppendDict(builder, ns.Attributes.Select(a => new KeyValuePair<TemplateValue, TemplateValue>(new StringValue(a.Key), a.Value)));
                builder.Append('>');
                break;
            case CallableValue callable:
                builder.Append(callable.Representation);
                break;
            default:
                builder.Append(value.ToString());
                break;
        }
    }

    private static void AppendSequence(StringBuilder builder, ListValue list)
    {
        var (open, close) = list.Kind switch
        {
            SequenceKind.Tuple => ("(", list.Items.Count == 1 ? ",)" : ")"),
            SequenceKind.DictKeys => ("dict_keys([", "])"),
            SequenceKind.DictValues => ("dict_values([", "])"),
            SequenceKind.DictItems => ("dict_items([", "])"),
            _ => ("[", "]"),
        };
        builder.Append(open);
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }
            AppendRepr(builder, list.Items[i]);
        }
        builder.Append(close);
    }

    private static void AppendDict(StringBuilder builder, IEnumerable<KeyValuePair<TemplateValue, TemplateValue>> entries)
    {
        builder.Append('{');
        var first = true;
        foreach (var (key, value) in entries)
        {
            if (!first)
            {
                builder.Append(", ");
            }
            first = false;
            AppendRepr(builder, key);
            builder.Append(": ");
            AppendRepr(builder, value);
        }
        builder.Append('}');
    }

    /// <summary>Python's <c>repr(str)</c>: single quotes unless only double quotes avoid escaping, non-printables escaped.</summary>
    public static string QuoteString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == quote || c == '\\')
            {
                builder.Append('\\').Append((char)c);
            }
            else if (c == '\t')
            {
                builder.Append("\\t");
            }
            else if (c == '\n')
            {
                builder.Append("\\n");
            }
            else if (c == '\r')
            {
                builder.Append("\\r");
            }
            else if (c < 0x20 || c == 0x7f)
            {
                builder.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (c < 0x7f || IsPrintable(rune))
            {
                builder.Append(rune.ToString());
            }
            else
            {
                builder.Append(c <= 0xff ? "\\x" + c.ToString("x2", CultureInfo.InvariantCulture)
                    : c <= 0xffff ? "\\u" + c.ToString("x4", CultureInfo.InvariantCulture)
                    : "\\U" + c.ToString("x8", CultureInfo.InvariantCulture));
            }
        }
        return builder.Append(quote).ToString();
    }

    // Python's str.isprintable(): everything but controls, format characters, surrogates, private
    // use, unassigned code points and separators other than the ASCII space.
    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator);
}
