using System.Text.Json.Nodes;
using MetalCore.Tests.ModelFiles;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// Writes Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json) for tests: the
/// BPE model from a token list and merges, the pipeline components as JSON written the way the
/// tokenizers library writes them.
/// </summary>
internal sealed record HfTokenizerFiles
{
    public required IReadOnlyList<string> Vocab { get; init; }
    public required IEnumerable<(string Left, string Right)> Merges { get; init; }

    /// <summary>Write merges as "left right" strings (tokenizers before 0.20) instead of pairs.</summary>
    public bool MergesAsStrings { get; init; }

    public IEnumerable<(int Id, string Content, bool Special)> AddedTokens { get; init; } = [];

    /// <summary>Added tokens that swallow the whitespace on both sides (lstrip and rstrip).</summary>
    public IReadOnlyCollection<int> StripAround { get; init; } = [];
    public JsonNode? Normalizer { get; init; }
    public JsonNode? PreTokenizer { get; init; }
    public JsonNode? PostProcessor { get; init; }
    public JsonNode? Decoder { get; init; }
    public JsonObject Model { get; init; } = [];
    public JsonObject? Config { get; init; }

    /// <summary>Writes the files into the folder and returns it.</summary>
    public string WriteTo(TempFolder folder)
    {
        var vocab = new JsonObject();
        for (var id = 0; id < Vocab.Count; id++)
        {
            vocab[Vocab[id]] = id;
        }
        var merges = new JsonArray(Merges.Select(m => MergesAsStrings ? (JsonNode)$"{m.Left} {m.Right}" : new JsonArray(m.Left, m.Right)).ToArray());
        var model = new JsonObject { ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false };
        foreach (var (key, value) in Model)
        {
            model[key] = value?.DeepClone();
        }
        model["vocab"] = vocab;
        model["merges"] = merges;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(AddedTokens.Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id,
                ["content"] = t.Content,
                ["single_word"] = false,
                ["lstrip"] = StripAround.Contains(t.Id),
                ["rstrip"] = StripAround.Contains(t.Id),
                ["normalized"] = !t.Special,
                ["special"] = t.Special,
            }).ToArray()),
            ["normalizer"] = Normalizer?.DeepClone(),
            ["pre_tokenizer"] = PreTokenizer?.DeepClone(),
            ["post_processor"] = PostProcessor?.DeepClone(),
            ["decoder"] = Decoder?.DeepClone(),
            ["model"] = model,
        };
        folder.Write("tokenizer.json", root.ToJsonString());
        if (Config is not null)
        {
            folder.Write("tokenizer_config.json", Config.ToJsonString());
        }
        return folder.Path;
    }

    /// <summary>A JSON fragment written with single quotes for readability.</summary>
    public static JsonNode Json(string text) => JsonNode.Parse(text.Replace('\'', '"'))!;

    public static JsonNode Split(string regex) =>
        new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = regex }, ["behavior"] = "Isolated", ["invert"] = false };

    public static JsonNode Sequence(string key, params JsonNode[] steps) =>
        new JsonObject { ["type"] = "Sequence", [key] = new JsonArray(steps) };

    public static JsonNode ByteLevel(bool useRegex) =>
        Json($"{{'type': 'ByteLevel', 'add_prefix_space': false, 'trim_offsets': true, 'use_regex': {(useRegex ? "true" : "false")}}}");

    /// <summary>A post-processor adding one special token before the text.</summary>
    public static JsonNode BosTemplate(string token, int id) => new JsonObject
    {
        ["type"] = "TemplateProcessing",
        ["single"] = new JsonArray(
            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = 0 } },
            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        ["pair"] = new JsonArray(),
        ["special_tokens"] = new JsonObject { [token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) } },
    };
}
