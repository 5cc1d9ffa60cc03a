using MetalCore.Chat.Templates.Formatting;

namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// jinja2's default <c>Undefined</c>: what a missing variable, attribute or element evaluates to.
/// It prints as nothing, is false, iterates as empty and has length 0; any other use (arithmetic,
/// attribute access, calling, ordering) fails with the message jinja2 would give, which explains
/// how the value came to be undefined.
/// </summary>
internal sealed class UndefinedValue : TemplateValue
{
    private readonly string? _hint;
    private readonly TemplateValue? _owner;
    private readonly TemplateValue? _key;
    private readonly string? _name;

    private UndefinedValue(string? hint, TemplateValue? owner, TemplateValue? key, string? name, ChatTemplateErrorKind failureKind)
    {
        _hint = hint;
        _owner = owner;
        _key = key;
        _name = name;
        FailureKind = failureKind;
    }

    /// <summary>The error a failing use raises: Undefined, or Security for an attribute the sandbox hides.</summary>
    public ChatTemplateErrorKind FailureKind { get; }

    public override string TypeName => "Undefined";

    public override bool IsTruthy => false;

    /// <summary>jinja2's <c>Undefined._undefined_message</c>.</summary>
    public string Message =>
        _hint
        ?? (_owner is null
            ? $"{PythonRepr.QuoteString(_name!)} is undefined"
            : _key is StringValue name
                ? $"{PythonRepr.QuoteString(_owner.ObjectTypeDescription)} has no attribute {PythonRepr.QuoteString(name.Value)}"
                : $"{_owner.ObjectTypeDescription} has no element {PythonRepr.Repr(_key!)}");

    /// <summary>A variable that no scope defines.</summary>
    public static UndefinedValue Variable(string name) => new(null, null, null, name, ChatTemplateErrorKind.Undefined);

    /// <summary>A missing attribute, key or element of <paramref name="owner"/>.</summary>
    public static UndefinedValue Member(TemplateValue owner, TemplateValue key) =>
        new(null, owner, key, null, ChatTemplateErrorKind.Undefined);

    /// <summary>A missing attribute of <paramref name="owner"/>.</summary>
    public static UndefinedValue Member(TemplateValue owner, string name) => Member(owner, new StringValue(name));

    /// <summary>An undefined value that explains itself with <paramref name="hint"/>.</summary>
    public static UndefinedValue WithHint(string hint, ChatTemplateErrorKind failureKind = ChatTemplateErrorKind.Undefined) =>
        new(hint, null, null, null, failureKind);

    /// <summary>The error to raise when the template uses this value in a way that needs a defined one.</summary>
    public TemplateError Failure() => new(FailureKind, Message);
}
