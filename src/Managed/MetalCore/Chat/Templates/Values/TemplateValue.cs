namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// A value as a chat template sees it. Jinja templates run on Python's data model, so every value
/// carries the Python behaviour the reference renderer (jinja2) gives it: its type name (quoted in
/// error messages) and its truthiness.
/// </summary>
internal abstract class TemplateValue
{
    /// <summary>Python's name of the value's type ('str', 'dict', 'NoneType'), as error messages quote it.</summary>
    public abstract string TypeName { get; }

    /// <summary>Python's truth value (<c>bool(value)</c>).</summary>
    public abstract bool IsTruthy { get; }

    /// <summary>
    /// How jinja2 names the value's type in "has no attribute" messages
    /// (<c>jinja2.utils.object_type_repr</c>): builtins read "dict object".
    /// </summary>
    public virtual string ObjectTypeDescription => TypeName + " object";
}
