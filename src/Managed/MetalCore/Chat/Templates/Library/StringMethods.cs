using System.Text;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Values;
using static MetalCore.Chat.Templates.Library.ArgumentConversions;

namespace MetalCore.Chat.Templates.Library;

/// <summary>The methods of Python's <c>str</c> that templates call: <c>content.strip()</c>, <c>.split('&lt;/think&gt;')</c>, ...</summary>
internal static class StringMethods
{
    private delegate TemplateValue Method(string s, Arguments arguments);

    private static readonly Dictionary<string, Method> s_methods = new(StringComparer.Ordinal)
    {
        ["strip"] = (s, a) => Str(PythonText.Strip(s, Chars(a, "strip"))),
        ["lstrip"] = (s, a) => Str(PythonText.Strip(s, Chars(a, "lstrip"), right: false)),
        ["rstrip"] = (s, a) => Str(PythonText.Strip(s, Chars(a, "rstrip"), left: false)),
        ["split"] = (s, a) => Split(s, a, "split", PythonText.Split),
        ["rsplit"] = (s, a) => Split(s, a, "rsplit", PythonText.RSplit),
        ["splitlines"] = (s, a) => Strings(PythonText.SplitLines(s, AsFlag(a.Bind("splitlines", "keepends")[0]))),
        ["startswith"] = (s, a) => Affix(s, a, "startswith", (text, affix) => text.StartsWith(affix, StringComparison.Ordinal)),
        ["endswith"] = (s, a) => Affix(s, a, "endswith", (text, affix) => text.EndsWith(affix, StringComparison.Ordinal)),
        ["upper"] = (s, a) => NoArguments(a, "upper", PythonText.Upper(s)),
        ["lower"] = (s, a) => NoArguments(a, "lower", PythonText.Lower(s)),
        ["casefold"] = (s, a) => NoArguments(a, "casefold", PythonText.Lower(s)),
        ["title"] = (s, a) => NoArguments(a, "title", PythonText.Title(s)),
        ["capitalize"] = (s, a) => NoArguments(a, "capitalize", PythonText.Capitalize(s)),
        ["swapcase"] = (s, a) => NoArguments(a, "swapcase", PythonText.SwapCase(s)),
        ["replace"] = Replace,
        ["find"] = (s, a) => IntegerValue.Of(Find(s, a, "find", fromEnd: false)),
        ["rfind"] = (s, a) => IntegerValue.Of(Find(s, a, "rfind", fromEnd: true)),
        ["index"] = (s, a) => IntegerValue.Of(Index(Find(s, a, "index", fromEnd: false))),
        ["rindex"] = (s, a) => IntegerValue.Of(Index(Find(s, a, "rindex", fromEnd: true))),
        ["count"] = Count,
        ["join"] = Join,
        ["partition"] = (s, a) => Partition(s, a, "partition", fromEnd: false),
        ["rpartition"] = (s, a) => Partition(s, a, "rpartition", fromEnd: true),
        ["removeprefix"] = (s, a) =>
        {
            var prefix = AsString(a.Bind("removeprefix", 1, "prefix")[0]!, "removeprefix() argument");
            return Str(s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s);
        },
        ["removesuffix"] = (s, a) =>
        {
            var suffix = AsString(a.Bind("removesuffix", 1, "suffix")[0]!, "removesuffix() argument");
            return Str(suffix.Length != 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s);
        },
        ["center"] = (s, a) => Pad(s, a, "center"),
        ["ljust"] = (s, a) => Pad(s, a, "ljust"),
        ["rjust"] = (s, a) => Pad(s, a, "rjust"),
        ["zfill"] = ZeroFill,
        ["isdigit"] = (s, a) => Predicate(s, a, "isdigit", Rune.IsDigit),
        ["isdecimal"] = (s, a) => Predicate(s, a, "isdecimal", Rune.IsDigit),
        ["isnumeric"] = (s, a) => Predicate(s, a, "isnumeric", Rune.IsNumber),
        ["isalpha"] = (s, a) => Predicate(s, a, "isalpha", Rune.IsLetter),
        ["isalnum"] = (s, a) => Predicate(s, a, "isalnum", Rune.IsLetterOrDigit),
        ["isspace"] = (s, a) => Predicate(s, a, "isspace", r => PythonText.IsSpace(r.Value)),
        ["isascii"] = (s, a) => NoArguments(a, "isascii", BooleanValue.Of(Ascii.IsValid(s))),
        ["islower"] = (s, a) => NoArguments(a, "islower", BooleanValue.Of(PythonText.IsLower(s))),
        ["isupper"] = (s, a) => NoArguments(a, "isupper", BooleanValue.Of(PythonText.IsUpper(s))),
    };

    // str methods this renderer leaves out: templates calling them get a clear error, and
    // "x.format is defined" still holds as in Python.
    private static readonly HashSet<string> s_unsupported = new(StringComparer.Ordinal)
    {
        "encode", "expandtabs", "format", "format_map", "isidentifier", "isprintable", "istitle", "maketrans", "translate",
    };

    /// <summary>The bound method <paramref name="name"/> of <paramref name="owner"/>, if Python's str has it.</summary>
    public static bool TryGet(StringValue owner, string name, out TemplateValue method)
    {
        if (s_methods.TryGetValue(name, out var body))
        {
            method = CallableValue.Method(owner, name, arguments => body(owner.Value, arguments));
            return true;
        }
        if (s_unsupported.Contains(name))
        {
            method = CallableValue.Method(owner, name, _ => throw TemplateError.Unsupported($"the str method '{name}' is not supported"));
            return true;
        }
        method = NoneValue.Instance;
        return false;
    }

    /// <summary>Calls the implemented str method <paramref name="name"/> on <paramref name="s"/>.</summary>
    public static TemplateValue Call(string s, string name, Arguments arguments) => s_methods[name](s, arguments);

    private static StringValue Str(string s) => new(s);

    private static ListValue Strings(IEnumerable<string> parts) => new([.. parts.Select(p => (TemplateValue)new StringValue(p))]);

    private static TemplateValue NoArguments(Arguments arguments, string name, string result) =>
        NoArguments(arguments, name, new StringValue(result));

    private static TemplateValue NoArguments(Arguments arguments, string name, TemplateValue result)
    {
        arguments.Bind(name);
        return result;
    }

    private static string? Chars(Arguments arguments, string name) =>
        AsOptionalString(arguments.Bind(name, "chars")[0], $"{name} arg");

    private static ListValue Split(string s, Arguments arguments, string name, Func<string, string?, long, List<string>> split)
    {
        var bound = arguments.Bind(name, "sep", "maxsplit");
        return Strings(split(s, AsOptionalString(bound[0], "must be str or None"), AsOptionalInteger(bound[1], -1)));
    }

    private static BooleanValue Affix(string s, Arguments arguments, string name, Func<string, string, bool> matches)
    {
        var bound = arguments.Bind(name, 1, "prefix", "start", "end");
        var text = Window(s, bound[1], bound[2]);
        var affixes = bound[0] switch
        {
            StringValue one => [one.Value],
            ListValue { Kind: SequenceKind.Tuple } tuple => tuple.Items.Select(i => AsString(i, $"tuple for {name}")).ToList(),
            var other => throw TemplateError.Type($"{name} first arg must be str or a tuple of str, not {other!.TypeName}"),
        };
        return BooleanValue.Of(affixes.Any(affix => matches(text, affix)));
    }

    /// <summary><c>s[start:end]</c> for the optional start/end arguments of find, count, startswith...</summary>
    private static string Window(string s, TemplateValue? start, TemplateValue? end)
    {
        if (start is null or NoneValue && end is null or NoneValue)
        {
            return s;
        }
        var length = PythonText.Length(s);
        long Clamp(long index) => Math.Clamp(index < 0 ? index + length : index, 0, length);
        var from = Clamp(AsOptionalInteger(start, 0));
        var to = Clamp(AsOptionalInteger(end, length));
        return to <= from ? string.Empty : s[PythonText.Utf16Index(s, from)..PythonText.Utf16Index(s, to)];
    }

    private static TemplateValue Replace(string s, Arguments arguments)
    {
        var bound = arguments.Bind("replace", 2, "old", "new", "count");
        return Str(PythonText.Replace(
            s,
            AsString(bound[0]!, "replace() argument 1"),
            AsString(bound[1]!, "replace() argument 2"),
            AsOptionalInteger(bound[2], -1)));
    }

    /// <summary>The code point index of the substring, searched within the optional window; -1 when absent.</summary>
    private static long Find(string s, Arguments arguments, string name, bool fromEnd)
    {
        var bound = arguments.Bind(name, 1, "sub", "start", "end");
        var sub = AsString(bound[0]!, $"{name}() argument 1");
        var length = PythonText.Length(s);
        var start = bound[1] is null or NoneValue ? 0 : Math.Clamp(AsInteger(bound[1]!) is var i && i < 0 ? i + length : i, 0, length);
        var window = Window(s, bound[1], bound[2]);
        var found = fromEnd ? window.LastIndexOf(sub, StringComparison.Ordinal) : window.IndexOf(sub, StringComparison.Ordinal);
        return found < 0 ? -1 : start + PythonText.CodePointIndex(window, found);
    }

    private static long Index(long found) => found >= 0 ? found : throw TemplateError.Runtime("substring not found");

    private static TemplateValue Count(string s, Arguments arguments)
    {
        var bound = arguments.Bind("count", 1, "sub", "start", "end");
        var sub = AsString(bound[0]!, "count() argument 1");
        var window = Window(s, bound[1], bound[2]);
        if (sub.Length == 0)
        {
            return IntegerValue.Of(PythonText.Length(window) + 1);
        }
        var count = 0;
        for (var at = window.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = window.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return IntegerValue.Of(count);
    }

    private static TemplateValue Join(string separator, Arguments arguments)
    {
        var iterable = arguments.Bind("join", 1, "iterable")[0]!;
        var parts = Runtime.PythonObjects.Iterate(iterable).Select((item, i) => item is StringValue part
            ? part.Value
            : throw TemplateError.Type($"sequence item {i}: expected str instance, {item.TypeName} found"));
        return Str(string.Join(separator, parts));
    }

    private static ListValue Partition(string s, Arguments arguments, string name, bool fromEnd)
    {
        var separator = AsString(arguments.Bind(name, 1, "sep")[0]!, $"{name}() argument");
        if (separator.Length == 0)
        {
            throw TemplateError.Runtime("empty separator");
        }
        var at = fromEnd ? s.LastIndexOf(separator, StringComparison.Ordinal) : s.IndexOf(separator, StringComparison.Ordinal);
        var (before, sep, after) = at < 0
            ? (fromEnd ? ("", "", s) : (s, "", ""))
            : (s[..at], separator, s[(at + separator.Length)..]);
        return ListValue.Tuple(Str(before), Str(sep), Str(after));
    }

    private static StringValue Pad(string s, Arguments arguments, string name)
    {
        var bound = arguments.Bind(name, 1, "width", "fillchar");
        var width = AsInteger(bound[0]!);
        var fill = bound[1] is null ? " " : AsString(bound[1]!, $"{name}() argument 2");
        if (PythonText.Length(fill) != 1)
        {
            throw TemplateError.Type("The fill character must be exactly one character long");
        }
        var missing = width - PythonText.Length(s);
        if (missing <= 0)
        {
            return Str(s);
        }
        string Fill(long count) => string.Concat(Enumerable.Repeat(fill, (int)count));
        return Str(name switch
        {
            "ljust" => s + Fill(missing),
            "rjust" => Fill(missing) + s,
            // Python puts the odd extra fill character on the left when the width is odd.
            _ => Fill(missing / 2 + (missing & width & 1)) + s + Fill(missing - (missing / 2 + (missing & width & 1))),
        });
    }

    private static StringValue ZeroFill(string s, Arguments arguments)
    {
        var width = AsInteger(arguments.Bind("zfill", 1, "width")[0]!);
        var missing = width - PythonText.Length(s);
        if (missing <= 0)
        {
            return Str(s);
        }
        var sign = s.Length > 0 && s[0] is '+' or '-' ? s[..1] : string.Empty;
        return Str(sign + new string('0', (int)missing) + s[sign.Length..]);
    }

    private static BooleanValue Predicate(string s, Arguments arguments, string name, Func<Rune, bool> test)
    {
        arguments.Bind(name);
        return BooleanValue.Of(s.Length != 0 && s.EnumerateRunes().All(test));
    }
}
