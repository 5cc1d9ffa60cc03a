using System.Text.Json;
using MetalCore.Chat;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.ModelFiles.Safetensors;
using MetalCore.Tokenization;

namespace MetalCore.Conversion;

/// <summary>
/// A Hugging Face tokenizer (<c>tokenizer.json</c> and <c>tokenizer_config.json</c>) as llama.cpp's
/// GGUF tokenizer metadata (<c>tokenizer.ggml.*</c>, <c>tokenizer.chat_template</c>), following what
/// llama.cpp's convert_hf_to_gguf.py writes for byte-level BPE ("gpt2") vocabularies: tokens in id
/// order padded to the model's vocabulary with <c>[PADn]</c> (unused), added tokens marked control
/// (special) or user-defined, the merges as "left right", the pre-tokenizer by llama.cpp's name, the
/// special token ids and the BOS/EOS rules.
/// </summary>
internal sealed class HfTokenizerMetadata
{
    public const string TokenizerFileName = HfTokenizerReader.FileName;

    // The regexes of the Split pre-tokenizers llama.cpp knows by name (as written in tokenizer.json).
    private static readonly Dictionary<string, string> s_splitPatterns = new(StringComparer.Ordinal)
    {
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "llama-bpe",
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "qwen2",
    };

    // Added tokens whose text marks them as control tokens even when not flagged special
    // (llama.cpp's does_token_look_special).
    private static readonly string[] s_specialLooking = ["<pad>", "<mask>", "<2mass>", "[@BOS@]"];

    public required string PreTokenizer { get; init; }
    public required string[] Tokens { get; init; }
    public required int[] TokenTypes { get; init; }
    public required string[] Merges { get; init; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? UnknownId { get; init; }
    public int? PaddingId { get; init; }
    public bool? AddBos { get; init; }
    public bool? AddEos { get; init; }
    public string? ChatTemplate { get; init; }

    /// <summary>
    /// Reads the tokenizer of <paramref name="directory"/>, or returns null when it has no
    /// tokenizer.json (the model then converts with weights only).
    /// </summary>
    /// <param name="directory">The Hugging Face model directory.</param>
    /// <param name="vocabularySize">The model's vocabulary (rows of the embedding).</param>
    /// <param name="hp">The model's hyperparameters: config.json's BOS/EOS ids are the fallback.</param>
    /// <exception cref="ModelFileException">A file is malformed or inconsistent with the model.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer is not a byte-level BPE one llama.cpp can name.</exception>
    public static HfTokenizerMetadata? TryRead(string directory, int vocabularySize, ModelHyperparameters hp)
    {
        var path = Path.Combine(directory, TokenizerFileName);
        if (!File.Exists(path))
        {
            return null;
        }
        using var json = JsonFile.Load(path);
        var root = JsonFile.RequireObject(path, json.RootElement, TokenizerFileName);
        var model = JsonFile.RequireObject(path, JsonFile.Require(path, root, "model"), "'model'");
        var type = JsonFile.OptionalString(path, model, "type") ?? "BPE";
        if (type != "BPE" || JsonFile.OptionalBoolean(path, model, "byte_fallback") == true)
        {
            throw new UnsupportedModelException(path, $"'model.type' is '{type}'{(type == "BPE" ? " with byte_fallback" : "")}: "
                + "only byte-level BPE tokenizers (llama.cpp 'gpt2') convert");
        }
        var preTokenizer = PreTokenizerName(path, root);

        var added = ReadAddedTokens(path, root);
        var vocabulary = ReadVocabulary(path, model, added);
        var maxId = vocabulary.Count == 0 ? -1 : vocabulary.Values.Max();
        if (maxId >= vocabularySize)
        {
            throw new ModelFileException(path, $"token id {maxId} is outside the model's vocabulary of {vocabularySize} (config.json vocab_size)");
        }
        var tokens = new string[vocabularySize];
        var types = new int[vocabularySize];
        for (var id = 0; id < vocabularySize; id++)
        {
            tokens[id] = $"[PAD{id}]";
            types[id] = (int)TokenType.Unused;
        }
        foreach (var (text, id) in vocabulary)
        {
            tokens[id] = text;
            types[id] = (int)(added.TryGetValue(id, out var a)
                ? a.Special || LooksSpecial(text) ? TokenType.Control : TokenType.UserDefined
                : TokenType.Normal);
        }

        var config = HfTokenizerConfig.Read(directory);
        var configPath = Path.Combine(directory, HfTokenizerConfig.FileName);
        int? IdOf(string? content, string key) => content is null ? null
            : vocabulary.TryGetValue(content, out var id) ? id
            : throw new ModelFileException(configPath, $"'{key}' is '{content}', which is not a token of {TokenizerFileName}");
        var bos = IdOf(config.BosToken, "bos_token") ?? hp.BosTokenId;
        var eos = IdOf(config.EosToken, "eos_token") ?? (hp.EosTokenIds.Count > 0 ? hp.EosTokenIds[0] : null);
        foreach (var (id, key) in new[] { (bos, "bos_token_id"), (eos, "eos_token_id") })
        {
            if (id is < 0 || id >= vocabularySize)
            {
                throw new ModelFileException(Path.Combine(directory, HfModelConfig.FileName), $"'{key}' is {id}, outside the vocabulary of {vocabularySize}");
            }
        }
        var (templateAddsBos, templateAddsEos) = PostProcessorAdds(path, root, tokens, bos, eos);
        return new HfTokenizerMetadata
        {
            PreTokenizer = preTokenizer,
            Tokens = tokens,
            TokenTypes = types,
            Merges = JsonFile.TryGet(model, "merges", out _)
                ? [.. HfTokenizerReader.ReadMerges(new HfJson(path), model).Select(m => $"{m.Left} {m.Right}")]
                : [],
            BosId = bos,
            EosId = eos,
            UnknownId = IdOf(config.UnknownToken, "unk_token"),
            PaddingId = IdOf(config.PaddingToken, "pad_token"),
            AddBos = config.AddBosToken ?? templateAddsBos,
            AddEos = config.AddEosToken ?? templateAddsEos,
            // llama.cpp's converter takes tokenizer_config.json's template before chat_template.jinja.
            ChatTemplate = (File.Exists(configPath) ? ModelChatTemplate.FromTokenizerConfig(configPath) : null)
                ?? ModelChatTemplate.FromDirectory(directory),
        };
    }

    /// <summary>Adds the keys, in the order llama.cpp's converter writes them.</summary>
    public void WriteTo(GgufWriter writer)
    {
        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", PreTokenizer);
        writer.AddStringArray("tokenizer.ggml.tokens", Tokens);
        writer.AddInt32Array("tokenizer.ggml.token_type", TokenTypes);
        writer.AddStringArray("tokenizer.ggml.merges", Merges);
        void Id(string key, int? id)
        {
            if (id is { } value)
            {
                writer.AddUInt32($"tokenizer.ggml.{key}", (uint)value);
            }
        }
        Id("bos_token_id", BosId);
        Id("eos_token_id", EosId);
        Id("unknown_token_id", UnknownId);
        Id("padding_token_id", PaddingId);
        if (AddBos is { } addBos)
        {
            writer.AddBool("tokenizer.ggml.add_bos_token", addBos);
        }
        if (AddEos is { } addEos)
        {
            writer.AddBool("tokenizer.ggml.add_eos_token", addEos);
        }
        if (ChatTemplate is { } template)
        {
            writer.AddString("tokenizer.chat_template", template);
        }
    }

    private static bool LooksSpecial(string text) =>
        text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal) || s_specialLooking.Contains(text);

    // llama.cpp names pre-tokenizers by the regexes they split with; tokenizer.json spells them
    // as a ByteLevel pre-tokenizer with its built-in GPT-2 regex, or a Split followed by a
    // regex-free ByteLevel.
    private static string PreTokenizerName(string path, JsonElement root)
    {
        if (!JsonFile.TryGet(root, "pre_tokenizer", out var pre))
        {
            throw new UnsupportedModelException(path, "'pre_tokenizer' is missing: a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer");
        }
        if (IsByteLevel(path, pre, useRegex: true))
        {
            return "gpt-2";
        }
        if (JsonFile.OptionalString(path, pre, "type") == "Sequence"
            && JsonFile.TryGet(pre, "pretokenizers", out var steps) && steps.ValueKind == JsonValueKind.Array && steps.GetArrayLength() == 2
            && JsonFile.OptionalString(path, steps[0], "type") == "Split"
            && JsonFile.TryGet(steps[0], "pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
            && JsonFile.OptionalString(path, pattern, "Regex") is { } regex
            && IsByteLevel(path, steps[1], useRegex: false)
            && s_splitPatterns.TryGetValue(regex, out var name))
        {
            return name;
        }
        var text = pre.GetRawText();
        throw new UnsupportedModelException(path, $"'pre_tokenizer' {(text.Length > 200 ? text[..200] + "..." : text)} is not one llama.cpp names: "
            + "supported are ByteLevel with the GPT-2 regex ('gpt-2') and a Split with the Llama 3 ('llama-bpe') or Qwen2 ('qwen2') regex followed by ByteLevel");
    }

    private static bool IsByteLevel(string path, JsonElement step, bool useRegex) =>
        step.ValueKind == JsonValueKind.Object
        && JsonFile.OptionalString(path, step, "type") == "ByteLevel"
        && JsonFile.OptionalBoolean(path, step, "add_prefix_space") != true
        && (JsonFile.OptionalBoolean(path, step, "use_regex") ?? true) == useRegex;

    private sealed record AddedToken(string Content, bool Special);

    private static Dictionary<int, AddedToken> ReadAddedTokens(string path, JsonElement root)
    {
        var added = new Dictionary<int, AddedToken>();
        if (!JsonFile.TryGet(root, "added_tokens", out var list))
        {
            return added;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw JsonFile.WrongType(path, "added_tokens", list, "an array");
        }
        foreach (var item in list.EnumerateArray())
        {
            JsonFile.RequireObject(path, item, "an 'added_tokens' entry");
            var id = checked((int)JsonFile.RequireInt64(path, item, "id"));
            var content = JsonFile.OptionalString(path, item, "content")
                ?? throw new ModelFileException(path, $"'added_tokens' entry {id} has no 'content'");
            added[id] = new AddedToken(content, JsonFile.OptionalBoolean(path, item, "special") ?? false);
        }
        return added;
    }

    // model.vocab (text → id) plus the added tokens, which may extend it.
    private static Dictionary<string, int> ReadVocabulary(string path, JsonElement model, Dictionary<int, AddedToken> added)
    {
        var vocab = JsonFile.RequireObject(path, JsonFile.Require(path, model, "vocab"), "'model.vocab'");
        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new HashSet<int>();
        void Add(string text, int id, string where)
        {
            if (id < 0)
            {
                throw new ModelFileException(path, $"{where} gives '{text}' the negative id {id}");
            }
            if (byText.TryGetValue(text, out var existing))
            {
                if (existing != id)
                {
                    throw new ModelFileException(path, $"{where} gives '{text}' id {id}, but it already has id {existing}");
                }
                return;
            }
            if (!ids.Add(id))
            {
                throw new ModelFileException(path, $"{where} gives id {id} to '{text}' and to another token");
            }
            byText.Add(text, id);
        }
        foreach (var entry in vocab.EnumerateObject())
        {
            Add(entry.Name, checked((int)JsonFile.ToInt64(path, entry.Value, $"model.vocab.{entry.Name}")), "'model.vocab'");
        }
        foreach (var (id, token) in added)
        {
            Add(token.Content, id, "'added_tokens'");
        }
        return byText;
    }

    // A TemplateProcessing post-processor shows whether encoding adds BOS (first item) or EOS (last item).
    private static (bool? AddsBos, bool? AddsEos) PostProcessorAdds(string path, JsonElement root, string[] tokens, int? bos, int? eos)
    {
        if (!JsonFile.TryGet(root, "post_processor", out var post) || post.ValueKind != JsonValueKind.Object
            || JsonFile.OptionalString(path, post, "type") != "TemplateProcessing"
            || !JsonFile.TryGet(post, "single", out var single) || single.ValueKind != JsonValueKind.Array || single.GetArrayLength() == 0)
        {
            return (null, null);
        }
        bool IsSpecial(JsonElement item, int? id) =>
            id is { } expected && item.ValueKind == JsonValueKind.Object && JsonFile.TryGet(item, "SpecialToken", out var special)
            && special.ValueKind == JsonValueKind.Object && JsonFile.OptionalString(path, special, "id") == tokens[expected];
        return (IsSpecial(single[0], bos), IsSpecial(single[single.GetArrayLength() - 1], eos));
    }
}
