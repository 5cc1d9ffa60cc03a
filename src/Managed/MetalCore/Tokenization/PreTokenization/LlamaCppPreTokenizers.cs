namespace MetalCore.Tokenization;

/// <summary>How llama.cpp tokenizes byte-level BPE text for one <c>tokenizer.ggml.pre</c> value.</summary>
/// <param name="Patterns">The pre-tokenizer regexes, applied in order.</param>
/// <param name="IgnoreMerges">A word that is a token as a whole becomes that token without merging (Llama 3).</param>
/// <param name="AddBos">Whether a BOS token is added when the model file does not say.</param>
internal sealed record BpePreset(string[] Patterns, bool IgnoreMerges = false, bool AddBos = false);

/// <summary>
/// llama.cpp's byte-level BPE pre-tokenizers by <c>tokenizer.ggml.pre</c> name, with their
/// regexes exactly as llama.cpp lists them (llama-vocab.cpp, <c>llm_tokenizer_bpe</c>, and the
/// name table in <c>llama_vocab::impl::load</c>).
/// </summary>
internal static class LlamaCppPreTokenizers
{
    private const string Digits = @"\p{N}";

    private static readonly BpePreset s_default = new(
    [
        @"[\p{P}\$\+<=>\^~\|]+",
        Gpt2SplitRule.Pattern,
        @"\p{N}+",
        "[0-9][0-9][0-9]",
    ]);

    private static readonly BpePreset s_gpt2 = new([Gpt2SplitRule.Pattern]);

    private static readonly BpePreset s_llama3 = new([Llama3SplitRule.Pattern], IgnoreMerges: true, AddBos: true);

    // Llama 3's regex, but without Llama 3's merge and BOS settings.
    private static readonly BpePreset s_llama3Regex = new([Llama3SplitRule.Pattern]);

    private static readonly BpePreset s_qwen2 = new(
    [
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ]);

    private static readonly BpePreset s_starcoder = new([Digits, Gpt2SplitRule.Pattern]);

    private static readonly BpePreset s_falcon = new(
    [
        @"[\p{P}\$\+<=>\^~\|`]+",
        Gpt2SplitRule.Pattern,
        "[0-9][0-9][0-9]",
    ]);

    private static readonly BpePreset s_deepseekCoder = new(
    [
        "[\r\n]",
        @"\s?\p{L}+",
        @"\s?\p{P}+",
        "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
        Digits,
    ]);

    // The letter class below is DeepSeek-LLM's, written with escapes: several of its characters
    // (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126, U+212A) have canonical equivalents that an editor
    // normalizing to NFC would silently substitute.
    private static readonly BpePreset s_deepseekLlm = new(
    [
        "[\r\n]",
        "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373"
            + "\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F"
            + "\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77"
            + "\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D"
            + "\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4"
            + "\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139"
            + "\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D"
            + "\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A"
            + "\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2"
            + "\U00010CC0-\U00010CF2\U000118A0-\U000118DF\U0001E900-\U0001E943]+",
        "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
        @"\s+$",
        "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
        @"\p{N}+",
    ]);

    private static readonly Dictionary<string, BpePreset> s_byName = new(StringComparer.Ordinal)
    {
        ["default"] = s_default,
        ["llama3"] = s_llama3,
        ["llama-v3"] = s_llama3,
        ["llama-bpe"] = s_llama3,
        ["falcon3"] = s_llama3,
        ["falcon-h1"] = s_llama3,
        ["pixtral"] = s_llama3,
        ["midm-2.0"] = s_llama3,
        ["lfm2"] = s_llama3,
        ["dbrx"] = s_llama3Regex,
        ["smaug-bpe"] = s_llama3Regex,
        ["deepseek-llm"] = s_deepseekLlm,
        ["deepseek-coder"] = s_deepseekCoder,
        ["falcon"] = s_falcon,
        ["gpt-2"] = s_gpt2,
        ["phi-2"] = s_gpt2,
        ["mpt"] = s_gpt2,
        ["olmo"] = s_gpt2,
        ["jina-es"] = s_gpt2,
        ["jina-de"] = s_gpt2,
        ["gigachat"] = s_gpt2,
        ["jina-v2-es"] = s_gpt2,
        ["jina-v2-de"] = s_gpt2,
        ["a.x-4.0"] = s_gpt2,
        ["mellum"] = s_gpt2,
        ["exaone4"] = s_gpt2,
        ["starcoder"] = s_starcoder,
        ["refact"] = s_starcoder,
        ["command-r"] = s_starcoder,
        ["smollm"] = s_starcoder,
        ["codeshell"] = s_starcoder,
        ["exaone"] = s_starcoder,
        ["minerva-7b"] = s_starcoder,
        ["qwen2"] = s_qwen2,
        ["deepseek-r1-qwen"] = s_qwen2,
        ["megrez"] = s_qwen2,
        ["stablelm2"] = s_qwen2,
        ["hunyuan"] = s_qwen2,
    };

    /// <summary>The names this library knows, for error messages.</summary>
    public static IEnumerable<string> Names => s_byName.Keys;

    /// <summary>The preset for a <c>tokenizer.ggml.pre</c> value; a missing value means "default", as in llama.cpp.</summary>
    /// <exception cref="NotSupportedException">The name is not one of <see cref="Names"/>.</exception>
    public static BpePreset ForName(string? name)
    {
        if (name is null)
        {
            return s_default;
        }
        return s_byName.TryGetValue(name, out var preset)
            ? preset
            : throw new NotSupportedException(
                $"Unknown BPE pre-tokenizer '{name}' (tokenizer.ggml.pre); supported: {string.Join(", ", Names)}.");
    }
}
