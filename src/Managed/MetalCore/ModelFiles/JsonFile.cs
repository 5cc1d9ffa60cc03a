using System.Text.Json;
using System.Text.Unicode;

namespace MetalCore.ModelFiles;

/// <summary>
/// Reads JSON model files (config.json, safetensors headers, index and tokenizer files) through
/// <see cref="JsonDocument"/> (no reflection: trimming- and AOT-safe), turning every parse or
/// type error into a <see cref="ModelFileException"/> that names the file and the key.
/// </summary>
internal static class JsonFile
{
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 64 };

    public static JsonDocument Parse(string path, ReadOnlyMemory<byte> utf8)
    {
        // JsonDocument checks the UTF-8 of strings only when they are read, and then throws
        // InvalidOperationException: checking the whole text first keeps every error here.
        if (!Utf8.IsValid(utf8.Span))
        {
            throw new ModelFileException(path, "invalid JSON: the text is not valid UTF-8");
        }
        try
        {
            return JsonDocument.Parse(utf8, s_options);
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"invalid JSON: {e.Message}", e);
        }
    }

    public static JsonDocument Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot read the file: {e.Message}", e);
        }
        return Parse(path, bytes);
    }

    public static JsonElement RequireObject(string path, JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Object
            ? element
            : throw new ModelFileException(path, $"{what} is {Describe(element)}, expected a JSON object");

    /// <summary>Looks up a property that may be absent or null.</summary>
    public static bool TryGet(JsonElement obj, string key, out JsonElement value) =>
        obj.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    public static JsonElement Require(string path, JsonElement obj, string key) =>
        TryGet(obj, key, out var value) ? value : throw new ModelFileException(path, $"required key '{key}' is missing");

    public static long RequireInt64(string path, JsonElement obj, string key) => ToInt64(path, Require(path, obj, key), key);

    public static long? OptionalInt64(string path, JsonElement obj, string key) =>
        TryGet(obj, key, out var value) ? ToInt64(path, value, key) : null;

    public static double? OptionalDouble(string path, JsonElement obj, string key) =>
        TryGet(obj, key, out var value) ? ToDouble(path, value, key) : null;

    public static bool? OptionalBoolean(string path, JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(path, key, value, "true or false"),
        };
    }

    public static string? OptionalString(string path, JsonElement obj, string key)
    {
        if (!TryGet(obj, key, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(path, key, value, "a string");
    }

    public static long ToInt64(string path, JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var result)
            ? result
            : throw WrongType(path, key, value, "an integer");

    public static double ToDouble(string path, JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var result)
            ? result
            : throw WrongType(path, key, value, "a number");

    public static ModelFileException WrongType(string path, string key, JsonElement value, string expected) =>
        new ModelFileException(path, $"'{key}' is {Describe(value)}, expected {expected}");

    /// <summary>A value as an error message quotes it: its JSON text, cut to 60 characters.</summary>
    public static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
