using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>Reading typed arguments the way Python's builtins check them, with their TypeError messages.</summary>
internal static class ArgumentConversions
{
    /// <summary>A str argument (a Markup string too).</summary>
    public static string AsString(TemplateValue value, string what) =>
        value is StringValue s ? s.Value : throw TemplateError.Type($"{what} must be str, not {value.TypeName}");

    /// <summary>An optional str argument: absent or None gives null.</summary>
    public static string? AsOptionalString(TemplateValue? value, string what) =>
        value is null or NoneValue ? null : AsString(value, what);

    /// <summary>An int argument (a bool counts as one, as in Python).</summary>
    public static long AsInteger(TemplateValue value) =>
        value is BooleanValue or IntegerValue
            ? PythonObjects.ToInteger(value)
            : throw TemplateError.Type($"'{value.TypeName}' object cannot be interpreted as an integer");

    /// <summary>An optional int argument: absent or None gives <paramref name="fallback"/>.</summary>
    public static long AsOptionalInteger(TemplateValue? value, long fallback) =>
        value is null or NoneValue ? fallback : AsInteger(value);

    /// <summary>Jinja-style flags (<c>first=true</c>): any value, by truthiness.</summary>
    public static bool AsFlag(TemplateValue? value, bool fallback = false) => value?.IsTruthy ?? fallback;
}
