using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Library;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// <c>x.name</c> and <c>x[key]</c> as jinja2's sandbox resolves them. <c>x.name</c> tries the
/// Python attribute first (a method such as <c>dict.items</c>), then the item <c>x['name']</c>;
/// <c>x[key]</c> tries the item first, then (for a string key) the attribute. When both fail the
/// result is undefined, except on an undefined value, which raises.
/// </summary>
internal static class MemberAccess
{
    public static TemplateValue GetAttribute(TemplateValue target, string name)
    {
        if (target is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
        if (TryGetPythonAttribute(target, name, out var attribute))
        {
            return attribute;
        }
        return TryGetItem(target, new StringValue(name), out var item) ? item : UndefinedValue.Member(target, name);
    }

    public static TemplateValue GetItem(TemplateValue target, TemplateValue key)
    {
        if (target is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
        if (TryGetItem(target, key, out var item))
        {
            return item;
        }
        if (key is StringValue name && TryGetPythonAttribute(target, name.Value, out var attribute))
        {
            return attribute;
        }
        return UndefinedValue.Member(target, key);
    }

    /// <summary>The <c>attr</c> filter: the Python attribute only, never the item.</summary>
    public static TemplateValue GetPythonAttribute(TemplateValue target, string name)
    {
        if (target is UndefinedValue undefined)
        {
            throw undefined.Failure();
        }
        return TryGetPythonAttribute(target, name, out var attribute) ? attribute : UndefinedValue.Member(target, name);
    }

    /// <summary><c>target[key]</c> in Python, false where Python raises a LookupError or TypeError.</summary>
    private static bool TryGetItem(TemplateValue target, TemplateValue key, out TemplateValue item)
    {
        item = NoneValue.Instance;
        switch (target)
        {
            case DictValue dict:
                return ContainerMethods.TryLookup(dict, key, out item);
            case ListValue { IsSubscriptable: true } list when key is IntegerValue or BooleanValue:
                var index = Normalize(PythonObjects.ToInteger(key), list.Items.Count);
                if (index is { } i)
                {
                    item = list.Items[i];
                    return true;
                }
                return false;
            case StringValue s when key is IntegerValue or BooleanValue:
                var codePoints = PythonText.CodePoints(s.Value);
                if (Normalize(PythonObjects.ToInteger(key), codePoints.Length) is { } at)
                {
                    item = new StringValue(char.ConvertFromUtf32(codePoints[at]));
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static int? Normalize(long index, int count)
    {
        var i = index < 0 ? index + count : index;
        return i >= 0 && i < count ? (int)i : null;
    }

    /// <summary>A Python attribute of the value: a method, a namespace or loop attribute; dunders are refused by the sandbox.</summary>
    private static bool TryGetPythonAttribute(TemplateValue target, string name, out TemplateValue attribute)
    {
        if (name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal))
        {
            attribute = UndefinedValue.WithHint(
                $"access to attribute '{name}' of '{target.TypeName}' object is unsafe.", ChatTemplateErrorKind.Security);
            return true;
        }
        switch (target)
        {
            case StringValue s:
                return StringMethods.TryGet(s, name, out attribute);
            case DictValue dict:
                return ContainerMethods.TryGet(dict, name, out attribute);
            case ListValue list:
                return ContainerMethods.TryGet(list, name, out attribute);
            case NamespaceValue ns:
                return ns.TryGet(name, out attribute);
            case LoopContext loop:
                attribute = loop.GetAttribute(name)!;
                return attribute is not null;
            default:
                attribute = NoneValue.Instance;
                return false;
        }
    }
}
