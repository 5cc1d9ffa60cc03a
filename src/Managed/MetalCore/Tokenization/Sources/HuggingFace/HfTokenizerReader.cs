using System.Text.Json;
using MetalCore.ModelFiles;

namespace MetalCore.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer (tokenizer.json with its BPE model, added tokens, normalizer,
/// pre-tokenizer, post-processor and decoder, plus tokenizer_config.json) into vocabulary data.
/// Byte-level BPE (GPT-2, Llama 3, Qwen) and SentencePiece-style BPE with byte fallback (Llama 2)
/// are supported; anything else is reported as unsupported, naming the component.
/// </summary>
internal static class HfTokenizerReader
{
    public const string FileName = "tokenizer.json";

    /// <exception cref="ModelFileException">A file is missing, malformed or inconsistent.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer uses something this library does not implement.</exception>
    public static VocabularyData Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new ModelFileException(path, $"the model directory has no {FileName}");
        }
        var config = HfTokenizerConfig.Read(directory);
        var json = new HfJson(path);
        using var document = json.Load();
        var root = json.Object(document.RootElement, "the file");
        var model = json.Object(json.Require(root, "model", "$"), "model");
        CheckModel(json, model);

        var vocabulary = HfVocabulary.Read(json, root, model);
        var preTokenization = HfPreTokenizer.Read(json, root);
        var template = HfPostProcessor.Read(json, root);
        var byteFallback = json.OptionalBoolean(model, "byte_fallback", "model") ?? false;
        if (byteFallback && preTokenization.ByteLevel)
        {
            throw json.Unsupported("model.byte_fallback is set on a byte-level tokenizer, which needs no byte fallback.");
        }
        if (!byteFallback && json.OptionalBoolean(model, "fuse_unk", "model") == true)
        {
            throw json.Unsupported("model.fuse_unk without byte_fallback is not supported.");
        }

        var bosId = config.NoBosToken ? null : TokenId(json, vocabulary, config.BosToken, "tokenizer_config.json bos_token") ?? template.Leading;
        var eosId = TokenId(json, vocabulary, config.EosToken, "tokenizer_config.json eos_token") ?? template.Trailing;
        return new VocabularyData
        {
            Algorithm = TokenizerAlgorithm.BytePairEncoding,
            Tokens = vocabulary.Tokens,
            TokenTypes = vocabulary.Types,
            Merges = ReadMerges(json, model),
            BosId = bosId,
            EosId = eosId,
            UnknownId = vocabulary.UnknownId,
            AddBos = config.AddBosToken ?? template.Leading is not null,
            AddEos = config.AddEosToken ?? template.Trailing is not null,
            SpacePrefix = preTokenization.SpacePrefix,
            EscapeSpaces = preTokenization.EscapeSpaces,
            LeadingSpaceOnDecode = HfDecoder.Read(json, root, preTokenization.ByteLevel),
            PreTokenizer = PreTokenizer.FromPatterns(preTokenization.Patterns),
            IgnoreMerges = json.OptionalBoolean(model, "ignore_merges", "model") ?? false,
            ByteLevel = preTokenization.ByteLevel,
            ByteFallback = byteFallback,
            Normalizer = HfNormalizer.Read(json, root),
            StripAroundTokens = vocabulary.StripAround,
        };
    }

    private static void CheckModel(HfJson json, JsonElement model)
    {
        var type = json.OptionalString(model, "type", "model") ?? (HfJson.TryGet(model, "merges", out _) ? "BPE" : null);
        if (type != "BPE")
        {
            throw json.Unsupported($"model.type '{type}' is not supported; supported: BPE.");
        }
        if (HfJson.TryGet(model, "dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw json.Unsupported("model.dropout: BPE dropout is not supported (tokenization would be random).");
        }
        foreach (var key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (json.OptionalString(model, key, "model") is { Length: > 0 } affix)
            {
                throw json.Unsupported($"model.{key} '{affix}' is not supported.");
            }
        }
    }

    /// <summary>Merges as "left right" strings (older files) or ["left", "right"] pairs (newer ones).</summary>
    internal static List<(string Left, string Right)> ReadMerges(HfJson json, JsonElement model)
    {
        var merges = json.Array(json.Require(model, "merges", "model"), "model.merges");
        var result = new List<(string, string)>(merges.GetArrayLength());
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            var where = $"model.merges[{index++}]";
            if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                result.Add((json.String(merge[0], where + "[0]"), json.String(merge[1], where + "[1]")));
                continue;
            }
            var text = json.String(merge, where);
            var space = text.Length > 1 ? text.IndexOf(' ', 1) : -1;
            result.Add(space > 0 && text.IndexOf(' ', space + 1) < 0
                ? (text[..space], text[(space + 1)..])
                : throw json.Wrong(where, merge, "\"left right\" or [\"left\", \"right\"]"));
        }
        return result;
    }

    private static int? TokenId(HfJson json, HfVocabulary vocabulary, string? text, string what)
    {
        if (text is null)
        {
            return null;
        }
        return vocabulary.TryGetId(text, out var id)
            ? id
            : throw new ModelFileException(json.Path, $"the {what} '{text}' is not in the vocabulary");
    }
}
