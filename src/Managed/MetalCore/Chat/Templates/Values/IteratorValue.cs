namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// A one-shot Python iterator, as jinja2's <c>select</c>, <c>map</c>, <c>reverse</c>, <c>items</c>
/// and <c>unique</c> filters return: it has no length, cannot be indexed, and a second pass over it
/// finds nothing left, so <c>x|select(...)|length</c> fails here as it does in jinja2.
/// </summary>
internal sealed class IteratorValue(string typeName, IEnumerable<TemplateValue> source) : TemplateValue
{
    private IEnumerator<TemplateValue>? _remaining;

    public override string TypeName { get; } = typeName;

    public override bool IsTruthy => true;

    /// <summary>Yields the items not consumed yet.</summary>
    public IEnumerable<TemplateValue> Consume()
    {
        _remaining ??= source.GetEnumerator();
        while (_remaining.MoveNext())
        {
            yield return _remaining.Current;
        }
    }
}
