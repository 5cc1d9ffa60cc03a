using System.Text.Json;
using MetalCore.ModelFiles;

namespace MetalCore.Tokenization;

/// <summary>
/// Typed access to one Hugging Face tokenizer file (tokenizer.json, tokenizer_config.json):
/// every missing key or wrong type becomes a <see cref="ModelFileException"/> naming the file,
/// the JSON path and what was expected.
/// </summary>
internal sealed class HfJson(string path)
{
    public string Path { get; } = path;

    /// <exception cref="ModelFileException">The file cannot be read or is not valid UTF-8 JSON.</exception>
    public JsonDocument Load() => JsonFile.Load(Path);

    /// <summary>A property that may be absent; JSON null counts as absent.</summary>
    public static bool TryGet(JsonElement obj, string key, out JsonElement value)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        value = default;
        return false;
    }

    public JsonElement Object(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Wrong(where, value, "a JSON object");

    public JsonElement Array(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Array ? value : throw Wrong(where, value, "a JSON array");

    public string String(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Wrong(where, value, "a string");

    public int Int32(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result) && result >= 0
            ? result
            : throw Wrong(where, value, "a non-negative integer");

    public bool Boolean(JsonElement value, string where) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Wrong(where, value, "true or false"),
    };

    public JsonElement Require(JsonElement obj, string key, string where) =>
        TryGet(obj, key, out var value) ? value : throw new ModelFileException(Path, $"{where}.{key} is missing");

    public string? OptionalString(JsonElement obj, string key, string where) =>
        TryGet(obj, key, out var value) ? String(value, $"{where}.{key}") : null;

    public bool? OptionalBoolean(JsonElement obj, string key, string where) =>
        TryGet(obj, key, out var value) ? Boolean(value, $"{where}.{key}") : null;

    /// <summary>The "type" of a component (normalizer, pre-tokenizer, decoder, ...).</summary>
    public string TypeOf(JsonElement component, string where) => String(Require(Object(component, where), "type", where), $"{where}.type");

    public ModelFileException Wrong(string where, JsonElement value, string expected) =>
        new(Path, $"{where} is {JsonFile.Describe(value)}, expected {expected}");

    public UnsupportedModelException Unsupported(string detail) => new(Path, detail);
}
