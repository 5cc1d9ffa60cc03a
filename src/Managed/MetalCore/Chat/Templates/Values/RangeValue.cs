namespace MetalCore.Chat.Templates.Values;

/// <summary>Python's <c>range</c> object: a sequence of integers that prints as <c>range(start, stop[, step])</c>.</summary>
internal sealed class RangeValue(long start, long stop, long step, IReadOnlyList<TemplateValue> items)
    : ListValue(items, SequenceKind.Range)
{
    public long Start { get; } = start;

    public long Stop { get; } = stop;

    public long Step { get; } = step;
}
