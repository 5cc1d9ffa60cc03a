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

    /// <summary>
    /// A Llama 2 style tokenizer.json as Hugging Face's converter writes it for a SentencePiece
    /// BPE model: &lt;unk&gt; &lt;s&gt; &lt;/s&gt; as ids 0-2, byte fallback, the ▁-prefixing normalizer, a BOS
    /// template and the matching decoder. No tokenizer_config.json unless Config is set.
    /// </summary>
    public static HfTokenizerFiles SentencePieceStyle(IReadOnlyList<string> vocab, IEnumerable<(string Left, string Right)> merges) => new()
    {
        Vocab = vocab,
        Merges = merges,
        Model = new JsonObject { ["unk_token"] = "<unk>", ["fuse_unk"] = true, ["byte_fallback"] = true },
        AddedTokens = [(0, "<unk>", true), (1, "<s>", true), (2, "</s>", true)],
        Normalizer = Sequence(
            "normalizers",
            Json("{'type': 'Prepend', 'prepend': '\u2581'}"),
            Json("{'type': 'Replace', 'pattern': {'String': ' '}, 'content': '\u2581'}")),
        PostProcessor = BosTemplate("<s>", 1),
        Decoder = Sequence(
            "decoders",
            Json("{'type': 'Replace', 'pattern': {'String': '\u2581'}, 'content': ' '}"),
            Json("{'type': 'ByteFallback'}"),
            Json("{'type': 'Fuse'}"),
            Json("{'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0}")),
    };

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
