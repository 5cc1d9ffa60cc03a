namespace MetalCore.Chat.Templates.Values;

/// <summary>Python's <c>float</c> (an IEEE double).</summary>
internal sealed class FloatValue(double value) : TemplateValue
{
    public double Value { get; } = value;

    public override string TypeName => "float";

    public override bool IsTruthy => Value != 0.0;
}
