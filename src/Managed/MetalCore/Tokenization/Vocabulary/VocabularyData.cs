namespace MetalCore.Tokenization;

/// <summary>The two tokenization algorithms a vocabulary can use.</summary>
internal enum TokenizerAlgorithm
{
    /// <summary>SentencePiece-style BPE: merges chosen by token score (GGUF <c>tokenizer.ggml.model = "llama"</c>).</summary>
    SentencePiece,

    /// <summary>BPE with ranked merges (GGUF <c>tokenizer.ggml.model = "gpt2"</c>, Hugging Face BPE, tiktoken).</summary>
    BytePairEncoding,
}

/// <summary>When the space that SentencePiece-style vocabularies put before a text is added.</summary>
internal enum SpacePrefix
{
    Never,

    /// <summary>Before every stretch of text between special tokens (llama.cpp's <c>add_space_prefix</c>).</summary>
    EveryFragment,

    /// <summary>Only before the start of the whole text (Hugging Face Metaspace <c>prepend_scheme: "first"</c>).</summary>
    FirstFragment,
}

/// <summary>Which leading space decoding drops: the inverse of a SentencePiece-style space prefix.</summary>
internal enum LeadingSpace
{
    Keep,

    /// <summary>One leading space of the first token, whatever it decodes to (llama.cpp).</summary>
    StripFromFirstToken,

    /// <summary>One leading space of the text, after control tokens that decode to nothing (Hugging Face's Strip / Metaspace decoders).</summary>
    StripFromText,
}

/// <summary>
/// Everything a tokenizer is built from, as plain data: what a GGUF file's <c>tokenizer.ggml.*</c>
/// metadata says, or the same facts read from a Hugging Face tokenizer.json or a tiktoken file.
/// Readers fill it in; <see cref="Tokenizer.Create"/> validates it.
/// </summary>
internal sealed record VocabularyData
{
    public required TokenizerAlgorithm Algorithm { get; init; }

    /// <summary>Token texts by id: as stored by the format (byte-level BPE stores bytes as <see cref="ByteLevelAlphabet"/> characters).</summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary>Per-token scores (SentencePiece merge priorities); missing means all zero.</summary>
    public IReadOnlyList<float>? Scores { get; init; }

    /// <summary>Per-token types; missing means all <see cref="TokenType.Normal"/>.</summary>
    public IReadOnlyList<TokenType>? TokenTypes { get; init; }

    /// <summary>BPE merges, highest priority first (the rank of a merge is its index).</summary>
    public IReadOnlyList<(string Left, string Right)>? Merges { get; init; }

    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? UnknownId { get; init; }
    public int? EndOfTurnId { get; init; }
    public int? EndOfMessageId { get; init; }

    /// <summary>Whether encoding with special tokens adds BOS / EOS (GGUF <c>add_bos_token</c> / <c>add_eos_token</c>).</summary>
    public bool AddBos { get; init; }
    public bool AddEos { get; init; }

    public SpacePrefix SpacePrefix { get; init; }

    /// <summary>Whether decoding drops a leading space (the inverse of the space prefix).</summary>
    public LeadingSpace LeadingSpaceOnDecode { get; init; }

    /// <summary>BPE only: the pre-tokenizer splitting text into words.</summary>
    public PreTokenizer? PreTokenizer { get; init; }

    /// <summary>BPE only: a word that is a token as a whole becomes that token without merging.</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>BPE only: tokens spell bytes in <see cref="ByteLevelAlphabet"/> characters (GPT-2 style); otherwise they spell text, with spaces as '▁'.</summary>
    public bool ByteLevel { get; init; } = true;

    /// <summary>BPE only, not byte-level: spaces are written '▁' before pre-tokenization (Hugging Face Metaspace).</summary>
    public bool EscapeSpaces { get; init; }

    /// <summary>BPE only: characters no token covers become <c>&lt;0xXX&gt;</c> byte tokens instead of the unknown token.</summary>
    public bool ByteFallback { get; init; }

    /// <summary>BPE only: text normalization applied to each stretch of text before pre-tokenization (Hugging Face normalizers).</summary>
    public Func<string, string>? Normalizer { get; init; }

    /// <summary>Added tokens that swallow the whitespace before (left) or after (right) them when matched in text.</summary>
    public IReadOnlyDictionary<int, (bool Left, bool Right)>? StripAroundTokens { get; init; }
}
