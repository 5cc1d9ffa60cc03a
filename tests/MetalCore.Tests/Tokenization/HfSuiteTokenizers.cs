using System.Text.Json.Nodes;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;
using MetalCore.Tokenization;
using static MetalCore.Tests.Tokenization.HfTokenizerFiles;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// The tokenizers of llama.cpp's suites rebuilt as Hugging Face tokenizer.json files, the way the
/// models publish them (GPT-2; DeepSeek-Coder's split sequence; Qwen2's regex, NFC normalizer and
/// added tokens; Llama 2's SentencePiece-style BPE with byte fallback), from the same vocabularies,
/// and loaded through <see cref="TokenizerFactory.FromHuggingFace"/>.
/// </summary>
internal static class HfSuiteTokenizers
{
    private static readonly Dictionary<string, Lazy<Tokenizer>> s_tokenizers = new()
    {
        [LlamaCppSuite.LlamaSpm.Name] = new(() => Load(Llama2Style("tokenizers/ggml-vocab-llama-spm.gguf"))),
        [LlamaCppSuite.Gpt2.Name] = new(() => Load(Gpt2Style("tokenizers/ggml-vocab-gpt-2.gguf"))),
        [LlamaCppSuite.DeepSeekCoder.Name] = new(() => Load(DeepSeekCoderStyle("tokenizers/ggml-vocab-deepseek-coder.gguf"))),
        [LlamaCppSuite.Qwen2.Name] = new(() => Load(Qwen2Style("tokenizers/qwen.tiktoken"))),
    };

    /// <summary>The tokenizer of a suite; ignores the calling test when the fixtures are absent.</summary>
    public static Tokenizer For(LlamaCppSuite suite)
    {
        Fixtures.Require(suite.InputFile);
        return s_tokenizers[suite.Name].Value;
    }

    private static Tokenizer Load(HfTokenizerFiles files)
    {
        using var folder = new TempFolder();
        return TokenizerFactory.FromHuggingFace(files.WriteTo(folder));
    }

    private static HfTokenizerFiles Gpt2Style(string fixture)
    {
        var (tokens, types, _) = ReadGguf(fixture, out var merges);
        return new HfTokenizerFiles
        {
            Vocab = tokens,
            Merges = merges,
            MergesAsStrings = true,
            AddedTokens = AddedTokensOf(tokens, types),
            PreTokenizer = ByteLevel(useRegex: true),
            PostProcessor = ByteLevel(useRegex: true),
            Decoder = ByteLevel(useRegex: true),
        };
    }

    private static HfTokenizerFiles DeepSeekCoderStyle(string fixture)
    {
        var (tokens, types, _) = ReadGguf(fixture, out var merges);
        return new HfTokenizerFiles
        {
            Vocab = tokens,
            Merges = merges,
            AddedTokens = AddedTokensOf(tokens, types),
            PreTokenizer = Sequence(
                "pretokenizers",
                Split("[\r\n]"),
                Split(@"\s?\p{L}+"),
                Split(@"\s?\p{P}+"),
                Split("[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+"),
                Json("{'type': 'Digits', 'individual_digits': true}"),
                ByteLevel(useRegex: false)),
            PostProcessor = BosTemplate("<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>", 32013),
            Decoder = ByteLevel(useRegex: true),
        };
    }

    private static HfTokenizerFiles Qwen2Style(string fixture)
    {
        var ranks = TiktokenVocabularyReader.Read(Fixtures.Require(fixture), QwenSpecialTokens.All);
        return new HfTokenizerFiles
        {
            Vocab = ranks.Tokens.Take(ranks.Tokens.Count - QwenSpecialTokens.All.Count).ToArray(),
            Merges = ranks.Merges!,
            AddedTokens = QwenSpecialTokens.All.Select(t => (t.Id, t.Text, t.IsSpecial)),
            Normalizer = Json("{'type': 'NFC'}"),
            PreTokenizer = Sequence(
                "pretokenizers",
                Split(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                ByteLevel(useRegex: false)),
            PostProcessor = ByteLevel(useRegex: false),
            Decoder = ByteLevel(useRegex: false),
            Config = new JsonObject { ["bos_token"] = null, ["eos_token"] = "<|im_end|>", ["add_prefix_space"] = false },
        };
    }

    private static HfTokenizerFiles Llama2Style(string fixture)
    {
        var (tokens, types, scores) = ReadGguf(fixture, out _);
        return SentencePieceStyle(tokens, MergesFromScores(tokens, scores!)) with
        {
            Config = new JsonObject { ["add_bos_token"] = true, ["add_eos_token"] = false, ["bos_token"] = "<s>", ["eos_token"] = "</s>" },
        };
    }

    /// <summary>
    /// Merges of a SentencePiece vocabulary the way Hugging Face's converter derives them: every
    /// split of a piece into two pieces, ranked by the score of the whole piece (highest first),
    /// then by piece, then by the ids of the two halves.
    /// </summary>
    private static IEnumerable<(string Left, string Right)> MergesFromScores(string[] tokens, float[] scores)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < tokens.Length; id++)
        {
            ids.TryAdd(tokens[id], id);
        }
        var merges = new List<(string Left, string Right, float Score, int Piece, int LeftId, int RightId)>();
        for (var id = 0; id < tokens.Length; id++)
        {
            var piece = tokens[id];
            for (var split = 1; split < piece.Length; split++)
            {
                if (ids.TryGetValue(piece[..split], out var left) && ids.TryGetValue(piece[split..], out var right))
                {
                    merges.Add((piece[..split], piece[split..], scores[id], id, left, right));
                }
            }
        }
        return merges
            .OrderByDescending(m => m.Score).ThenBy(m => m.Piece).ThenBy(m => m.LeftId).ThenBy(m => m.RightId)
            .Select(m => (m.Left, m.Right))
            .ToArray();
    }

    private static IEnumerable<(int, string, bool)> AddedTokensOf(string[] tokens, int[] types) =>
        Enumerable.Range(0, tokens.Length)
            .Where(id => types[id] is (int)TokenType.Control or (int)TokenType.UserDefined)
            .Select(id => (id, tokens[id], types[id] == (int)TokenType.Control))
            .ToArray();

    private static (string[] Tokens, int[] Types, float[]? Scores) ReadGguf(string fixture, out (string, string)[] merges)
    {
        using var file = GgufFile.Open(Fixtures.Require(fixture));
        merges = file.TryGetValue("tokenizer.ggml.merges", out var m)
            ? m.AsStringArray().Select(merge => (merge[..merge.IndexOf(' ', 1)], merge[(merge.IndexOf(' ', 1) + 1)..])).ToArray()
            : [];
        return (
            file.GetValue("tokenizer.ggml.tokens").AsStringArray(),
            file.GetValue("tokenizer.ggml.token_type").AsInt32Array(),
            file.TryGetValue("tokenizer.ggml.scores", out var scores) ? scores.AsSingleArray() : null);
    }
}
