using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tokenization;

/// <summary>Builds tokenizers from the places models keep their vocabularies.</summary>
internal static class TokenizerFactory
{
    /// <summary>The tokenizer of a model: a GGUF file's metadata, or a Hugging Face model directory's tokenizer files.</summary>
    /// <param name="path">A GGUF file or a model directory.</param>
    /// <exception cref="ModelFileException">The path does not exist, or the tokenizer data is missing, malformed or inconsistent.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer uses something this library does not implement.</exception>
    public static Tokenizer FromModel(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return FromHuggingFace(path);
        }
        if (!File.Exists(path))
        {
            throw new ModelFileException(path, "no such file or directory");
        }
        using var file = GgufFile.Open(path);
        return FromGguf(file);
    }

    /// <summary>The tokenizer described by a GGUF file's <c>tokenizer.ggml.*</c> metadata, as llama.cpp reads it.</summary>
    /// <exception cref="ModelFileException">The metadata is missing or inconsistent.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer model or pre-tokenizer is not supported.</exception>
    public static Tokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Build(file.FilePath, () => GgufVocabularyReader.Read(file));
    }

    /// <summary>
    /// The tokenizer of a Hugging Face model directory: tokenizer.json (BPE model, added tokens,
    /// normalizer, pre-tokenizer, post-processor, decoder) and, when present,
    /// tokenizer_config.json (<c>bos_token</c>, <c>eos_token</c>, <c>add_bos_token</c>,
    /// <c>add_eos_token</c>). BOS and EOS are added as tokenizer_config.json says, else as the
    /// post-processor's template does.
    /// </summary>
    /// <param name="directory">The model directory.</param>
    /// <exception cref="ModelFileException">tokenizer.json is missing, or a file is malformed or inconsistent.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer uses a component this library does not implement (named in the message).</exception>
    public static Tokenizer FromHuggingFace(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new ModelFileException(directory, "no such model directory");
        }
        return Build(Path.Combine(directory, HfTokenizerReader.FileName), () => HfTokenizerReader.Read(directory));
    }

    /// <summary>
    /// A tokenizer from a tiktoken BPE file (<c>base64(token) rank</c> lines) with the given
    /// pre-tokenizer and added tokens.
    /// </summary>
    /// <param name="path">The tiktoken file.</param>
    /// <param name="preTokenizer">A llama.cpp pre-tokenizer name (<c>tokenizer.ggml.pre</c> values such as "qwen2", "llama3", "gpt-2").</param>
    /// <param name="addedTokens">Tokens after the ranks, with consecutive ids starting right after the last rank.</param>
    /// <param name="eosToken">The text of the end-of-sequence token among the added tokens, if any.</param>
    /// <exception cref="ModelFileException">The file is malformed or the added tokens do not fit it.</exception>
    /// <exception cref="UnsupportedModelException">The pre-tokenizer is not supported.</exception>
    public static Tokenizer FromTiktoken(string path, string preTokenizer, IReadOnlyList<AddedToken> addedTokens, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(preTokenizer);
        ArgumentNullException.ThrowIfNull(addedTokens);
        return Build(path, () =>
        {
            var preset = LlamaCppPreTokenizers.ForName(preTokenizer);
            var data = TiktokenVocabularyReader.Read(path, addedTokens);
            return data with
            {
                PreTokenizer = PreTokenizer.FromPatterns(preset.Patterns),
                IgnoreMerges = preset.IgnoreMerges,
                EosId = eosToken is null ? null : IdOf(addedTokens, eosToken),
            };
        });
    }

    /// <summary>
    /// The Qwen2.5 / Qwen3 tokenizer from Qwen's qwen.tiktoken ranks: the qwen2 pre-tokenizer,
    /// Qwen's added tokens (<c>&lt;|endoftext|&gt;</c> 151643, <c>&lt;|im_start|&gt;</c> 151644,
    /// <c>&lt;|im_end|&gt;</c> 151645, ... <c>&lt;/think&gt;</c> 151668), EOS <c>&lt;|im_end|&gt;</c>, no BOS.
    /// </summary>
    /// <exception cref="ModelFileException">The file is malformed or does not hold Qwen's 151,643 ranks.</exception>
    public static Tokenizer FromQwenTiktoken(string path) =>
        FromTiktoken(path, "qwen2", QwenSpecialTokens.All, QwenSpecialTokens.EndOfSequence);

    private static int IdOf(IReadOnlyList<AddedToken> addedTokens, string text) =>
        addedTokens.FirstOrDefault(t => t.Text == text)?.Id
            ?? throw new InvalidDataException($"The end-of-sequence token '{text}' is not among the added tokens.");

    /// <summary>Builds, reporting bad data as errors about the file it came from.</summary>
    private static Tokenizer Build(string source, Func<VocabularyData> read)
    {
        try
        {
            return Tokenizer.Create(read());
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(source, e.Message, e);
        }
        catch (NotSupportedException e)
        {
            throw new UnsupportedModelException(source, e.Message);
        }
    }
}
