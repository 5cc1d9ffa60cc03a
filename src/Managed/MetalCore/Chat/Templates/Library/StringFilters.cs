using System.Globalization;
using System.Text;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>jinja2's text filters: trim, upper, lower, title, capitalize, replace, indent, string, safe, escape, format, ...</summary>
internal static class StringFilters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
    {
        ["trim"] = (value, a) => Text(value, PythonText.Strip(PythonRepr.Str(value), AsOptionalString(a.Bind("trim", "chars")[0], "strip arg"))),
        ["upper"] = (value, a) => Text(value, PythonText.Upper(Bound(value, a, "upper"))),
        ["lower"] = (value, a) => Text(value, PythonText.Lower(Bound(value, a, "lower"))),
        ["capitalize"] = (value, a) => Text(value, PythonText.Capitalize(Bound(value, a, "capitalize"))),
        ["title"] = (value, a) => Text(value, Title(Bound(value, a, "title"))),
        ["center"] = (value, a) =>
        {
            var width = a.Bind("center", "width")[0] ?? IntegerValue.Of(80);
            return StringMethods.Call(PythonRepr.Str(value), "center", Arguments.Of(width));
        },
        ["replace"] = Replace,
        ["indent"] = Indent,
        ["wordcount"] = (value, a) => IntegerValue.Of(WordCount(Bound(value, a, "wordcount"))),
        ["string"] = (value, a) => Text(value, Bound(value, a, "string")),
        ["safe"] = (value, a) => new StringValue(Bound(value, a, "safe"), isSafe: true),
        ["e"] = Escape,
        ["escape"] = Escape,
        ["forceescape"] = (value, a) => new StringValue(Html.Escape(Bound(value, a, "forceescape")), isSafe: true),
        ["format"] = Format,
    };

    /// <summary>jinja2's soft_str keeps a Markup string Markup; string filters return the same kind.</summary>
    private static StringValue Text(TemplateValue input, string text) =>
        new(text, input is StringValue { IsSafe: true });

    private static string Bound(TemplateValue value, Arguments arguments, string name)
    {
        arguments.Bind(name);
        return PythonRepr.Str(value);
    }

    // jinja2's title: upper-cases the first character after any run of whitespace, '-', '(', '{', '[' or '<'.
    private static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        var wordStart = true;
        foreach (var rune in s.EnumerateRunes())
        {
            var separator = PythonText.IsSpace(rune.Value) || rune.Value is '-' or '(' or '{' or '[' or '<';
            builder.Append(separator ? rune : wordStart ? Rune.ToUpperInvariant(rune) : Rune.ToLowerInvariant(rune));
            wordStart = separator;
        }
        return builder.ToString();
    }

    private static TemplateValue Replace(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("replace", 2, "old", "new", "count");
        return new StringValue(PythonText.Replace(
            PythonRepr.Str(value),
            PythonRepr.Str(bound[0]!),
            PythonRepr.Str(bound[1]!),
            AsOptionalInteger(bound[2], -1)));
    }

    private static TemplateValue Indent(TemplateValue value, Arguments arguments)
    {
        var bound = arguments.Bind("indent", "width", "first", "blank");
        if (value is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
        var s = value as StringValue
            ?? throw TemplateError.Type($"unsupported operand type(s) for +=: '{value.TypeName}' and 'str'");
        var indentation = bound[0] switch
        {
            null => "    ",
            StringValue text => text.Value,
            var width => new string(' ', (int)Math.Max(0, AsInteger(width))),
        };
        // jinja2 appends a newline before splitting, so a trailing newline is not kept.
        var lines = PythonText.SplitLines(s.Value + "\n", keepEnds: false);
        string result;
        if (AsFlag(bound[2]))
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1)
            {
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length == 0 ? line : indentation + line));
            }
        }
        if (AsFlag(bound[1]))
        {
            result = indentation + result;
        }
        return new StringValue(result, s.IsSafe);
    }

    // jinja2 counts matches of \w+ (Unicode word characters).
    private static int WordCount(string s)
    {
        var count = 0;
        var inWord = false;
        foreach (var rune in s.EnumerateRunes())
        {
            var isWord = Rune.IsLetterOrDigit(rune) || rune.Value == '_'
                || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                    or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
            if (isWord && !inWord)
            {
                count++;
            }
            inWord = isWord;
        }
        return count;
    }

    private static TemplateValue Escape(TemplateValue value, Arguments arguments)
    {
        arguments.Bind("escape");
        return value is StringValue { IsSafe: true } ? value : new StringValue(Html.Escape(PythonRepr.Str(value)), isSafe: true);
    }

    private static TemplateValue Format(TemplateValue value, Arguments arguments)
    {
        if (arguments.Positional.Count != 0 && arguments.Named.Count != 0)
        {
            throw TemplateError.Runtime("can't handle positional and keyword arguments at the same time");
        }
        TemplateValue values;
        if (arguments.Named.Count != 0)
        {
            var mapping = new DictValue();
            foreach (var (name, argument) in arguments.Named)
            {
                mapping.Set(name, argument);
            }
            values = mapping;
        }
        else
        {
            values = new ListValue(arguments.Positional, SequenceKind.Tuple);
        }
        return PercentFormat.Apply(PythonRepr.Str(value), values);
    }
}
