using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tokenization;

/// <summary>
/// Reads a tokenizer's vocabulary data from GGUF metadata (<c>tokenizer.ggml.*</c>) with
/// llama.cpp's defaults and overrides (<c>llama_vocab::impl::load</c>).
/// </summary>
internal static class GgufVocabularyReader
{
    private const string Prefix = "tokenizer.ggml.";

    /// <exception cref="InvalidDataException">The metadata is missing or inconsistent.</exception>
    /// <exception cref="NotSupportedException">The tokenizer model or pre-tokenizer is not supported.</exception>
    public static VocabularyData Read(GgufFile file)
    {
        var model = file.TryGetValue(Prefix + "model", out var modelValue)
            ? modelValue.AsString()
            : throw new InvalidDataException($"The metadata has no {Prefix}model: the file carries no tokenizer.");
        var tokens = file.TryGetValue(Prefix + "tokens", out var tokensValue)
            ? tokensValue.AsStringArray()
            : throw new InvalidDataException($"The metadata has no {Prefix}tokens.");

        var data = model switch
        {
            "llama" => SentencePieceDefaults(tokens),
            "gpt2" => BytePairDefaults(file, tokens),
            _ => throw new NotSupportedException(
                $"Tokenizer model '{model}' ({Prefix}model) is not supported; supported: 'llama' (SentencePiece-style BPE), 'gpt2' (byte-level BPE)."),
        };

        // llama.cpp adds the space prefix only for SentencePiece-style vocabularies, but decoding
        // strips the leading space whenever the flag is set.
        var spacePrefix = Boolean(file, "add_space_prefix") ?? data.SpacePrefix != SpacePrefix.Never;
        return data with
        {
            Scores = file.TryGetValue(Prefix + "scores", out var scores) ? ReadScores(scores) : null,
            TokenTypes = file.TryGetValue(Prefix + "token_type", out var types) ? ReadTokenTypes(types) : null,
            SpacePrefix = spacePrefix && data.Algorithm == TokenizerAlgorithm.SentencePiece ? SpacePrefix.EveryFragment : SpacePrefix.Never,
            LeadingSpaceOnDecode = spacePrefix ? LeadingSpace.StripFromFirstToken : LeadingSpace.Keep,
            BosId = TokenId(file, "bos_token_id", tokens.Length, data.BosId),
            EosId = TokenId(file, "eos_token_id", tokens.Length, data.EosId),
            UnknownId = TokenId(file, "unknown_token_id", tokens.Length, data.UnknownId),
            EndOfTurnId = TokenId(file, "eot_token_id", tokens.Length, null),
            EndOfMessageId = TokenId(file, "eom_token_id", tokens.Length, null),
            AddBos = Boolean(file, "add_bos_token") ?? data.AddBos,
            AddEos = Boolean(file, "add_eos_token") ?? data.AddEos,
        };
    }

    private static VocabularyData SentencePieceDefaults(string[] tokens) => new()
    {
        Algorithm = TokenizerAlgorithm.SentencePiece,
        Tokens = tokens,
        BosId = 1,
        EosId = 2,
        UnknownId = 0,
        AddBos = true,
        SpacePrefix = SpacePrefix.EveryFragment,
    };

    private static VocabularyData BytePairDefaults(GgufFile file, string[] tokens)
    {
        var pre = file.TryGetValue(Prefix + "pre", out var preValue) ? preValue.AsString() : null;
        var preset = LlamaCppPreTokenizers.ForName(pre);
        var merges = file.TryGetValue(Prefix + "merges", out var mergesValue)
            ? mergesValue.AsStringArray()
            : throw new InvalidDataException($"A gpt2 tokenizer needs {Prefix}merges, which the metadata lacks.");
        return new VocabularyData
        {
            Algorithm = TokenizerAlgorithm.BytePairEncoding,
            Tokens = tokens,
            Merges = merges.Select(SplitMerge).ToArray(),
            PreTokenizer = PreTokenizer.FromPatterns(preset.Patterns),
            IgnoreMerges = preset.IgnoreMerges,
            AddBos = preset.AddBos,
            // llama.cpp's defaults for BPE vocabularies (token 11 was Falcon's); the metadata normally overrides them.
            BosId = 11,
            EosId = 11,
        };
    }

    /// <summary>A merge "left right": split at the first space after the first character, as llama.cpp does.</summary>
    private static (string Left, string Right) SplitMerge(string merge, int rank)
    {
        var space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
        return space > 0
            ? (merge[..space], merge[(space + 1)..])
            : throw new InvalidDataException($"BPE merge #{rank} '{merge}' is not two tokens separated by a space.");
    }

    private static float[] ReadScores(GgufValue value) =>
        value.ElementType is GgufValueType.Float32 or GgufValueType.Float64
            ? value.AsSingleArray()
            : Array.ConvertAll(value.AsInt32Array(), score => (float)score);

    /// <summary>Token types; a value outside GGUF's range reads as undefined, as in llama.cpp.</summary>
    private static TokenType[] ReadTokenTypes(GgufValue value) =>
        Array.ConvertAll(value.AsInt32Array(), type => Enum.IsDefined((TokenType)type) ? (TokenType)type : TokenType.Undefined);

    private static bool? Boolean(GgufFile file, string key) =>
        file.TryGetValue(Prefix + key, out var value) ? value.AsBoolean() : null;

    /// <summary>
    /// A special token id. As in llama.cpp, an id outside the vocabulary (files write
    /// 4294967295 for "none") leaves the default, and a default outside the vocabulary means none.
    /// </summary>
    private static int? TokenId(GgufFile file, string key, int count, int? fallback)
    {
        if (file.TryGetValue(Prefix + key, out var value) && value.AsInt64() is var id && id >= 0 && id < count)
        {
            return (int)id;
        }
        return fallback < count ? fallback : null;
    }
}
