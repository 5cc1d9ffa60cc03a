namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// jinja2's <c>namespace()</c> object: the one mutable value templates have, so that a
/// <c>{% set ns.attr = ... %}</c> inside a loop is seen after the loop.
/// </summary>
internal sealed class NamespaceValue : TemplateValue
{
    // Dictionary keeps insertion order while nothing is removed (attributes are never removed).
    private readonly Dictionary<string, TemplateValue> _attributes = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, TemplateValue>> Attributes => _attributes;

    public override string TypeName => "Namespace";

    public override bool IsTruthy => true;

    public override string ObjectTypeDescription => "jinja2.utils.Namespace object";

    public bool TryGet(string name, out TemplateValue value) => _attributes.TryGetValue(name, out value!);

    public void Set(string name, TemplateValue value) => _attributes[name] = value;
}
