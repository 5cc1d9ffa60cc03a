namespace MetalCore.Chat.Templates.Values;

/// <summary>Python's <c>None</c> (Jinja's <c>none</c>).</summary>
internal sealed class NoneValue : TemplateValue
{
    public static readonly NoneValue Instance = new();

    private NoneValue()
    {
    }

    public override string TypeName => "NoneType";

    public override bool IsTruthy => false;

    // object_type_repr special-cases None: "'None' has no attribute 'x'".
    public override string ObjectTypeDescription => "None";
}
