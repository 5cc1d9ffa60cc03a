using MetalCore.ModelFiles.Gguf;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tokenization;

namespace MetalCore.Tests.Tokenization;

/// <summary>The tokenizers of the llama.cpp suites, loaded once for all tests (Qwen's takes a moment).</summary>
internal static class SuiteTokenizers
{
    private static readonly Dictionary<string, Lazy<Tokenizer>> s_tokenizers = new()
    {
        [LlamaCppSuite.LlamaSpm.Name] = new(() => FromGguf("tokenizers/ggml-vocab-llama-spm.gguf")),
        [LlamaCppSuite.Gpt2.Name] = new(() => FromGguf("tokenizers/ggml-vocab-gpt-2.gguf")),
        [LlamaCppSuite.DeepSeekCoder.Name] = new(() => FromGguf("tokenizers/ggml-vocab-deepseek-coder.gguf")),
        [LlamaCppSuite.Qwen2.Name] = new(() => TokenizerFactory.FromQwenTiktoken(Fixtures.Require("tokenizers/qwen.tiktoken"))),
    };

    /// <summary>The tokenizer of a suite; ignores the calling test when the fixtures are absent.</summary>
    public static Tokenizer For(LlamaCppSuite suite)
    {
        Fixtures.Require(suite.InputFile);
        return s_tokenizers[suite.Name].Value;
    }

    public static Tokenizer FromGguf(string fixture)
    {
        using var file = GgufFile.Open(Fixtures.Require(fixture));
        return TokenizerFactory.FromGguf(file);
    }
}
