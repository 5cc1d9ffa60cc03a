namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// An ordered, sized sequence: Python's list, tuple and the dict views. The immutable sandbox
/// forbids templates to modify lists, so the items never change once built.
/// </summary>
internal class ListValue(IReadOnlyList<TemplateValue> items, SequenceKind kind = SequenceKind.List) : TemplateValue
{
    public static readonly ListValue EmptyList = new([]);

    public IReadOnlyList<TemplateValue> Items { get; } = items;

    public SequenceKind Kind { get; } = kind;

    /// <summary>Whether <c>value[i]</c> and slicing work (not on dict views).</summary>
    public bool IsSubscriptable => Kind is SequenceKind.List or SequenceKind.Tuple or SequenceKind.Range;

    public override string TypeName => Kind switch
    {
        SequenceKind.List => "list",
        SequenceKind.Tuple => "tuple",
        SequenceKind.Range => "range",
        SequenceKind.DictKeys => "dict_keys",
        SequenceKind.DictValues => "dict_values",
        _ => "dict_items",
    };

    public override bool IsTruthy => Items.Count != 0;

    public static ListValue Tuple(params TemplateValue[] items) => new(items, SequenceKind.Tuple);
}
