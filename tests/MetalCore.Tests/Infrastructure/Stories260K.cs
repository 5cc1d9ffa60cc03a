using MetalCore.Runtime;

namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// The stories260K fixture: a real trained model and llama2.c's published greedy continuation
/// of BOS (256 tokens). Every member ignores the calling test when the fixture is absent.
/// </summary>
public static class Stories260K
{
    /// <summary>The model's beginning-of-sequence token.</summary>
    public const int Bos = 1;

    /// <summary>The model's end-of-sequence token.</summary>
    public const int Eos = 2;

    /// <summary>The GGUF file.</summary>
    public static string ModelPath => Fixtures.Require("models/stories260K/stories260K.gguf");

    /// <summary>llama2.c's greedy continuation of BOS at position 0.</summary>
    public static int[] ExpectedGreedyIds() =>
        File.ReadAllText(Fixtures.Require("models/stories260K/expected_greedy_bos_256_ids.txt"))
            .Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();

    /// <summary>
    /// The text of the published tokens [from, from + count) as generation streams it: decoded
    /// piece by piece, as a continuation when <paramref name="from"/> is not 0.
    /// </summary>
    public static string PublishedText(LanguageModel model, int[] expected, int from, int count)
    {
        var decoder = model.Tokenizer!.CreateStreamingDecoder(atStartOfText: from == 0);
        var text = string.Concat(expected[from..(from + count)].Select(decoder.Append));
        return text + decoder.Flush();
    }

    /// <summary>Loads the model on the CPU backend (the reference; present everywhere).</summary>
    public static LanguageModel Load(int contextLength = 256) =>
        LanguageModel.Load(ModelPath, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = contextLength, Threads = 1 });
}
