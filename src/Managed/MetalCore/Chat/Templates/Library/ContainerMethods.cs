using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>
/// The methods of Python's dict, list and tuple. Methods that modify the container exist but are
/// refused, as jinja2's immutable sandbox refuses them: reading one gives an undefined value whose
/// use (the call) raises a security error.
/// </summary>
internal static class ContainerMethods
{
    private static readonly HashSet<string> s_dictUnsafe = new(StringComparer.Ordinal) { "clear", "pop", "popitem", "setdefault", "update" };
    private static readonly HashSet<string> s_listUnsafe =
        new(StringComparer.Ordinal) { "append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove" };

    public static bool TryGet(DictValue owner, string name, out TemplateValue method)
    {
        method = name switch
        {
            "get" => CallableValue.Method(owner, name, arguments =>
            {
                var bound = arguments.Bind("get", 1, "key", "default");
                return owner.TryGetValue(bound[0]!, out var value) ? value : bound[1] ?? NoneValue.Instance;
            }),
            "items" => CallableValue.Method(owner, name, arguments =>
            {
                arguments.Bind("items");
                return new ListValue([.. owner.Entries.Select(e => (TemplateValue)ListValue.Tuple(e.Key, e.Value))], SequenceKind.DictItems);
            }),
            "keys" => CallableValue.Method(owner, name, arguments =>
            {
                arguments.Bind("keys");
                return new ListValue([.. owner.Entries.Select(e => e.Key)], SequenceKind.DictKeys);
            }),
            "values" => CallableValue.Method(owner, name, arguments =>
            {
                arguments.Bind("values");
                return new ListValue([.. owner.Entries.Select(e => e.Value)], SequenceKind.DictValues);
            }),
            "copy" => CallableValue.Method(owner, name, arguments =>
            {
                arguments.Bind("copy");
                var copy = new DictValue();
                foreach (var (key, value) in owner.Entries)
                {
                    copy.Set(key, value);
                }
                return copy;
            }),
            _ when s_dictUnsafe.Contains(name) => Unsafe(owner, name),
            _ => NoneValue.Instance,
        };
        return method is not NoneValue;
    }

    public static bool TryGet(ListValue owner, string name, out TemplateValue method)
    {
        var isList = owner.Kind == SequenceKind.List;
        method = name switch
        {
            "index" when owner.IsSubscriptable => CallableValue.Method(owner, name, arguments =>
            {
                var item = arguments.Bind("index", 1, "value")[0]!;
                for (var i = 0; i < owner.Items.Count; i++)
                {
                    if (PythonObjects.AreEqual(owner.Items[i], item))
                    {
                        return IntegerValue.Of(i);
                    }
                }
                throw TemplateError.Runtime($"{Formatting.PythonRepr.Repr(item)} is not in {owner.TypeName}");
            }),
            "count" when owner.IsSubscriptable => CallableValue.Method(owner, name, arguments =>
            {
                var item = arguments.Bind("count", 1, "value")[0]!;
                return IntegerValue.Of(owner.Items.Count(i => PythonObjects.AreEqual(i, item)));
            }),
            "copy" when isList => CallableValue.Method(owner, name, arguments =>
            {
                arguments.Bind("copy");
                return new ListValue([.. owner.Items]);
            }),
            _ when isList && s_listUnsafe.Contains(name) => Unsafe(owner, name),
            _ => NoneValue.Instance,
        };
        return method is not NoneValue;
    }

    /// <summary><c>dict[key]</c> without failing: an unhashable key is simply absent, as jinja2's getitem treats it.</summary>
    public static bool TryLookup(DictValue dict, TemplateValue key, out TemplateValue value)
    {
        if (key is ListValue { Kind: not (SequenceKind.Tuple or SequenceKind.Range) } or DictValue)
        {
            value = NoneValue.Instance;
            return false;
        }
        return dict.TryGetValue(key, out value);
    }

    private static UndefinedValue Unsafe(TemplateValue owner, string name) =>
        UndefinedValue.WithHint($"access to attribute '{name}' of '{owner.TypeName}' object is unsafe.", ChatTemplateErrorKind.Security);
}
