using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>
/// jinja2's <c>make_attrgetter</c>: the <c>attribute=</c> argument of sort, map, selectattr, join...
/// "a.b.0" looks up a, then b, then element 0, each by item first (<c>x['a']</c>).
/// </summary>
internal sealed class AttributeGetter
{
    private readonly TemplateValue[] _path;
    private readonly TemplateValue? _default;
    private readonly bool _ignoreCase;

    public AttributeGetter(TemplateValue? attribute, TemplateValue? defaultValue = null, bool ignoreCase = false)
    {
        _path = attribute switch
        {
            null or NoneValue => [],
            StringValue s => [.. s.Value.Split('.').Select(part =>
                part.Length != 0 && part.All(char.IsAsciiDigit) ? (TemplateValue)IntegerValue.Of(long.Parse(part, System.Globalization.CultureInfo.InvariantCulture)) : new StringValue(part))],
            _ => [attribute],
        };
        _default = defaultValue is NoneValue ? null : defaultValue;
        _ignoreCase = ignoreCase;
    }

    public TemplateValue Get(TemplateValue item)
    {
        foreach (var part in _path)
        {
            item = MemberAccess.GetItem(item, part);
            if (_default is not null && item is UndefinedValue)
            {
                item = _default;
            }
        }
        return _ignoreCase && item is StringValue s ? new StringValue(PythonText.Lower(s.Value)) : item;
    }

    /// <summary>Several comma-separated attributes ("age,name"), for sort: the key is the list of their values.</summary>
    public static Func<TemplateValue, TemplateValue> Multiple(TemplateValue? attribute, bool ignoreCase)
    {
        var getters = attribute is StringValue s
            ? s.Value.Split(',').Select(part => new AttributeGetter(new StringValue(part), ignoreCase: ignoreCase)).ToArray()
            : [new AttributeGetter(attribute, ignoreCase: ignoreCase)];
        return item => new ListValue([.. getters.Select(g => g.Get(item))]);
    }
}
