using System.Text.Json;
using MetalCore.ModelFiles;

namespace MetalCore.Tokenization;

/// <summary>
/// The parts of a Hugging Face tokenizer_config.json (and chat_template.jinja) that change how
/// a tokenizer behaves: the BOS / EOS tokens, whether they are added, the chat template.
/// </summary>
internal sealed record HfTokenizerConfig
{
    public const string FileName = "tokenizer_config.json";
    public const string ChatTemplateFileName = "chat_template.jinja";

    /// <summary>The BOS token's text; null when the config does not say.</summary>
    public string? BosToken { get; init; }

    /// <summary>True when the config names no BOS token explicitly (<c>"bos_token": null</c>).</summary>
    public bool NoBosToken { get; init; }

    public string? EosToken { get; init; }

    public bool? AddBosToken { get; init; }

    public bool? AddEosToken { get; init; }

    public string? ChatTemplate { get; init; }

    /// <summary>Reads the config of a model directory; a directory without one gives an empty config.</summary>
    /// <exception cref="ModelFileException">A file is malformed.</exception>
    public static HfTokenizerConfig Read(string directory)
    {
        var templatePath = Path.Combine(directory, ChatTemplateFileName);
        var separateTemplate = File.Exists(templatePath) ? ReadText(templatePath) : null;
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return new HfTokenizerConfig { ChatTemplate = separateTemplate };
        }

        var json = new HfJson(path);
        using var document = json.Load();
        var root = json.Object(document.RootElement, "the file");
        return new HfTokenizerConfig
        {
            BosToken = TokenText(json, root, "bos_token"),
            NoBosToken = root.TryGetProperty("bos_token", out var bos) && bos.ValueKind == JsonValueKind.Null,
            EosToken = TokenText(json, root, "eos_token"),
            AddBosToken = json.OptionalBoolean(root, "add_bos_token", "tokenizer_config"),
            AddEosToken = json.OptionalBoolean(root, "add_eos_token", "tokenizer_config"),
            // transformers writes the template to chat_template.jinja when there is one; older files keep it here.
            ChatTemplate = separateTemplate ?? ChatTemplateOf(json, root),
        };
    }

    /// <summary>A special token as the config gives it: its text, or an added-token object with a "content".</summary>
    private static string? TokenText(HfJson json, JsonElement root, string key)
    {
        if (!HfJson.TryGet(root, key, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Object
            ? json.String(json.Require(value, "content", key), $"{key}.content")
            : json.String(value, key);
    }

    /// <summary>The template: a string, or a list of named templates of which "default" (else the first) is the one.</summary>
    private static string? ChatTemplateOf(HfJson json, JsonElement root)
    {
        if (!HfJson.TryGet(root, "chat_template", out var template))
        {
            return null;
        }
        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }
        var named = json.Array(template, "chat_template")
            .EnumerateArray()
            .Select((entry, i) => (
                Name: json.OptionalString(entry, "name", $"chat_template[{i}]"),
                Template: json.String(json.Require(entry, "template", $"chat_template[{i}]"), $"chat_template[{i}].template")))
            .ToArray();
        return named.FirstOrDefault(t => t.Name == "default").Template ?? named.FirstOrDefault().Template;
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot read the file: {e.Message}", e);
        }
    }
}
