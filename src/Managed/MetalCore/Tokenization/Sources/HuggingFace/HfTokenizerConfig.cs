using System.Text.Json;
using MetalCore.ModelFiles;

namespace MetalCore.Tokenization;

/// <summary>
/// The special tokens of a Hugging Face tokenizer_config.json and whether BOS / EOS are added
/// (read by the tokenizer and by the GGUF converter). (The chat template is read by
/// <see cref="MetalCore.Chat.ModelChatTemplate"/>.)
/// </summary>
internal sealed record HfTokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>The BOS token's text; null when the config does not say.</summary>
    public string? BosToken { get; init; }

    /// <summary>True when the config names no BOS token explicitly (<c>"bos_token": null</c>).</summary>
    public bool NoBosToken { get; init; }

    public string? EosToken { get; init; }

    public string? UnknownToken { get; init; }

    public string? PaddingToken { get; init; }

    public bool? AddBosToken { get; init; }

    public bool? AddEosToken { get; init; }

    /// <summary>Reads the config of a model directory; a directory without one gives an empty config.</summary>
    /// <exception cref="ModelFileException">A file is malformed.</exception>
    public static HfTokenizerConfig Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return new HfTokenizerConfig();
        }

        var json = new HfJson(path);
        using var document = json.Load();
        var root = json.Object(document.RootElement, "the file");
        return new HfTokenizerConfig
        {
            BosToken = TokenText(json, root, "bos_token"),
            NoBosToken = root.TryGetProperty("bos_token", out var bos) && bos.ValueKind == JsonValueKind.Null,
            EosToken = TokenText(json, root, "eos_token"),
            UnknownToken = TokenText(json, root, "unk_token"),
            PaddingToken = TokenText(json, root, "pad_token"),
            AddBosToken = json.OptionalBoolean(root, "add_bos_token", "tokenizer_config"),
            AddEosToken = json.OptionalBoolean(root, "add_eos_token", "tokenizer_config"),
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
}
