using System.Globalization;
using System.Text.Json;
using MetalCore.ModelFiles;

namespace MetalCore.Tokenization;

/// <summary>
/// The token table of a tokenizer.json: the model's vocab and the added tokens merged by id,
/// with llama.cpp's token types (added tokens are control tokens when special and user-defined
/// otherwise; <c>&lt;0xXX&gt;</c> entries of a byte-fallback model are byte tokens). Ids no entry
/// names become unused placeholders, as llama.cpp's converter writes them.
/// </summary>
internal sealed class HfVocabulary
{
    private readonly Dictionary<string, int> _ids;

    private HfVocabulary(string[] tokens, TokenType[] types, int? unknownId, Dictionary<int, (bool, bool)> stripAround)
    {
        Tokens = tokens;
        Types = types;
        UnknownId = unknownId;
        StripAround = stripAround;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Length; id++)
        {
            _ids.TryAdd(tokens[id], id);
        }
    }

    public string[] Tokens { get; }
    public TokenType[] Types { get; }
    public int? UnknownId { get; }
    public Dictionary<int, (bool Left, bool Right)> StripAround { get; }

    public bool TryGetId(string text, out int id) => _ids.TryGetValue(text, out id);

    /// <exception cref="ModelFileException">Ids collide, or a token named elsewhere is not in the vocabulary.</exception>
    public static HfVocabulary Read(HfJson json, JsonElement root, JsonElement model)
    {
        var byId = new Dictionary<int, string>();
        foreach (var entry in json.Object(json.Require(model, "vocab", "model"), "model.vocab").EnumerateObject())
        {
            var id = json.Int32(entry.Value, $"model.vocab[\"{entry.Name}\"]");
            if (!byId.TryAdd(id, entry.Name))
            {
                throw new ModelFileException(json.Path, $"model.vocab gives id {id} to both '{byId[id]}' and '{entry.Name}'");
            }
        }
        var byteFallback = json.OptionalBoolean(model, "byte_fallback", "model") ?? false;
        var types = new Dictionary<int, TokenType>();
        if (byteFallback)
        {
            foreach (var (id, text) in byId)
            {
                if (IsByteToken(text))
                {
                    types[id] = TokenType.Byte;
                }
            }
        }

        var stripAround = new Dictionary<int, (bool, bool)>();
        if (HfJson.TryGet(root, "added_tokens", out var added))
        {
            var index = 0;
            foreach (var token in json.Array(added, "added_tokens").EnumerateArray())
            {
                var where = $"added_tokens[{index++}]";
                var id = json.Int32(json.Require(token, "id", where), $"{where}.id");
                var content = json.String(json.Require(token, "content", where), $"{where}.content");
                if (json.OptionalBoolean(token, "single_word", where) == true)
                {
                    throw json.Unsupported($"{where} ('{content}'): added tokens matched only as single words are not supported.");
                }
                // An added token can restate a vocab entry (Llama 2's <s>) or take a new id (Qwen's <|im_start|>).
                byId[id] = content;
                types[id] = json.OptionalBoolean(token, "special", where) == true ? TokenType.Control : TokenType.UserDefined;
                var strip = (json.OptionalBoolean(token, "lstrip", where) ?? false, json.OptionalBoolean(token, "rstrip", where) ?? false);
                if (strip != (false, false))
                {
                    stripAround[id] = strip;
                }
            }
        }

        var count = byId.Count == 0 ? 0 : byId.Keys.Max() + 1;
        var tokens = new string[count];
        var tokenTypes = new TokenType[count];
        for (var id = 0; id < count; id++)
        {
            if (byId.TryGetValue(id, out var text))
            {
                tokens[id] = text;
                tokenTypes[id] = types.GetValueOrDefault(id, TokenType.Normal);
            }
            else
            {
                tokens[id] = string.Create(CultureInfo.InvariantCulture, $"[PAD{id}]");
                tokenTypes[id] = TokenType.Unused;
            }
        }

        int? unknownId = null;
        if (json.OptionalString(model, "unk_token", "model") is { } unknown)
        {
            unknownId = Array.IndexOf(tokens, unknown) is var found && found >= 0
                ? found
                : throw new ModelFileException(json.Path, $"model.unk_token '{unknown}' is not in the vocabulary");
            tokenTypes[unknownId.Value] = TokenType.Unknown;
        }
        return new HfVocabulary(tokens, tokenTypes, unknownId, stripAround);
    }

    private static bool IsByteToken(string text) =>
        text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
        && byte.TryParse(text.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _);
}
