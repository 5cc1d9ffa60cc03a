namespace MetalCore.Chat.Templates.Values;

/// <summary>Python's <c>True</c> and <c>False</c>. Python's bool is an int, so arithmetic treats them as 1 and 0.</summary>
internal sealed class BooleanValue : TemplateValue
{
    public static readonly BooleanValue True = new(true);
    public static readonly BooleanValue False = new(false);

    private BooleanValue(bool value) => Value = value;

    public bool Value { get; }

    public override string TypeName => "bool";

    public override bool IsTruthy => Value;

    public static BooleanValue Of(bool value) => value ? True : False;
}
