namespace MetalCore.Chat.Templates.Values;

/// <summary>The body of something a template can call.</summary>
internal delegate TemplateValue CallableBody(Arguments arguments);

/// <summary>
/// Something a template can call: a global function (<c>range</c>, <c>raise_exception</c>), a bound
/// method (<c>'x'.strip</c>), a macro, or <c>loop.cycle</c>.
/// </summary>
internal sealed class CallableValue(string typeName, string representation, CallableBody body) : TemplateValue
{
    public override string TypeName { get; } = typeName;

    public override bool IsTruthy => true;

    /// <summary>What <c>str()</c> of the callable prints (Python adds memory addresses; this leaves them out).</summary>
    public string Representation { get; } = representation;

    public TemplateValue Invoke(Arguments arguments) => body(arguments);

    /// <summary>A global function, e.g. <c>range</c>.</summary>
    public static CallableValue Function(string name, CallableBody body) =>
        new("function", $"<function {name}>", body);

    /// <summary>A method bound to <paramref name="owner"/>, e.g. <c>'x'.strip</c>.</summary>
    public static CallableValue Method(TemplateValue owner, string name, CallableBody body) =>
        new("builtin_function_or_method", $"<built-in method {name} of {owner.TypeName} object>", body);
}
