namespace MetalCore.Chat.Templates.Values;

/// <summary>
/// Python's <c>str</c>. <see cref="IsSafe"/> marks markupsafe's <c>Markup</c>, the str subclass the
/// <c>safe</c> and <c>escape</c> filters return: it prints the same, but concatenating a plain string
/// to it with <c>+</c> HTML-escapes that string, as jinja2 does even with autoescape off.
/// </summary>
internal sealed class StringValue(string value, bool isSafe = false) : TemplateValue
{
    public static readonly StringValue Empty = new(string.Empty);

    public string Value { get; } = value;

    public bool IsSafe { get; } = isSafe;

    public override string TypeName => IsSafe ? "Markup" : "str";

    public override bool IsTruthy => Value.Length != 0;

    public override string ObjectTypeDescription => IsSafe ? "markupsafe.Markup object" : "str object";
}
