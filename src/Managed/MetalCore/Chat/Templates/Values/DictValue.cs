namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// Python's <c>dict</c>: insertion-ordered, keyed by Python equality (so <c>1</c>, <c>1.0</c> and
/// <c>True</c> are one key). Built once (from the caller's data, a literal or <c>dict()</c>) and
/// read-only afterwards, as the immutable sandbox requires.
/// </summary>
internal sealed class DictValue : TemplateValue
{
    private readonly List<KeyValuePair<TemplateValue, TemplateValue>> _entries = [];
    private readonly Dictionary<TemplateValue, int> _index = new(PythonKeyComparer.Instance);

    public IReadOnlyList<KeyValuePair<TemplateValue, TemplateValue>> Entries => _entries;

    public int Count => _entries.Count;

    public override string TypeName => "dict";

    public override bool IsTruthy => _entries.Count != 0;

    /// <summary>Adds or replaces an entry; a replaced key keeps its first position, as in Python.</summary>
    public void Set(TemplateValue key, TemplateValue value)
    {
        if (_index.TryGetValue(key, out var position))
        {
            _entries[position] = new(_entries[position].Key, value);
            return;
        }
        _index.Add(key, _entries.Count);
        _entries.Add(new(key, value));
    }

    public void Set(string key, TemplateValue value) => Set(new StringValue(key), value);

    public bool TryGetValue(TemplateValue key, out TemplateValue value)
    {
        if (_index.TryGetValue(key, out var position))
        {
            value = _entries[position].Value;
            return true;
        }
        value = NoneValue.Instance;
        return false;
    }

    public bool ContainsKey(TemplateValue key) => _index.ContainsKey(key);
}
