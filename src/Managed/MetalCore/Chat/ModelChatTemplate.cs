using System.Text.Json;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Chat;

/// <summary>
/// Finds the Jinja chat template a model ships with: GGUF's <c>tokenizer.chat_template</c>, or in
/// a Hugging Face directory <c>chat_template.jinja</c> (newer transformers save it there) and
/// else <c>tokenizer_config.json</c>'s <c>chat_template</c>.
/// </summary>
internal static class ModelChatTemplate
{
    /// <summary>The GGUF metadata key llama.cpp writes the default template to.</summary>
    public const string GgufKey = "tokenizer.chat_template";

    /// <summary>The name of the default template among a list of named ones.</summary>
    private const string DefaultName = "default";

    /// <summary>The file's template, or null when it has none.</summary>
    /// <exception cref="ModelFileException">The key holds something other than a string.</exception>
    public static string? FromGguf(GgufFile file)
    {
        if (!file.TryGetValue(GgufKey, out var value))
        {
            return null;
        }
        if (value.Type != GgufValueType.String)
        {
            throw new ModelFileException(file.FilePath, $"metadata key '{GgufKey}' is a {value.Type}; expected a String");
        }
        return value.AsString();
    }

    /// <summary>The directory's template, or null when it has none.</summary>
    /// <exception cref="ModelFileException">tokenizer_config.json is not JSON or its chat_template has the wrong shape.</exception>
    public static string? FromDirectory(string directory)
    {
        var jinja = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinja))
        {
            return File.ReadAllText(jinja);
        }
        var config = Path.Combine(directory, "tokenizer_config.json");
        return File.Exists(config) ? FromTokenizerConfig(config) : null;
    }

    /// <summary>The <c>chat_template</c> of a tokenizer_config.json: a string, or a list of
    /// <c>{"name", "template"}</c> objects of which the one named "default" is taken.</summary>
    internal static string? FromTokenizerConfig(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("chat_template", out var template)
                || template.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            return template.ValueKind switch
            {
                JsonValueKind.String => template.GetString(),
                JsonValueKind.Array => DefaultOf(template, path),
                _ => throw new ModelFileException(path, $"chat_template is a JSON {template.ValueKind}; expected a string or a list of {{\"name\", \"template\"}} objects"),
            };
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"not valid JSON: {e.Message}", e);
        }
    }

    private static string DefaultOf(JsonElement templates, string path)
    {
        var names = new List<string>();
        foreach (var entry in templates.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(path, "chat_template list entries must be objects with string \"name\" and \"template\"");
            }
            if (name.GetString() == DefaultName)
            {
                return template.GetString()!;
            }
            names.Add(name.GetString()!);
        }
        throw new ModelFileException(path, $"chat_template lists templates named [{string.Join(", ", names)}] but none named \"{DefaultName}\"");
    }
}
