namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// Python's <c>int</c>, held in 64 bits: chat templates count messages and characters, and an
/// operation that would leave that range fails with an unsupported-construct error rather than
/// wrap around.
/// </summary>
internal sealed class IntegerValue(long value) : TemplateValue
{
    private static readonly IntegerValue[] s_small = Enumerable.Range(-5, 262).Select(i => new IntegerValue(i)).ToArray();

    public long Value { get; } = value;

    public override string TypeName => "int";

    public override bool IsTruthy => Value != 0;

    public static IntegerValue Of(long value) =>
        value >= -5 && value <= 256 ? s_small[value + 5] : new IntegerValue(value);
}
