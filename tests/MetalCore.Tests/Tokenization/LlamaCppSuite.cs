using System.Text;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Tokenization;

/// <summary>
/// One of llama.cpp's tokenizer test suites in the shared fixtures: the <c>.inp</c> file holds
/// the test strings (each followed by a separator line), the <c>.out</c> file the expected ids,
/// one line per string, produced with no BOS/EOS and special tokens not parsed.
/// </summary>
public sealed record LlamaCppSuite(string Name, string InputFile, string OutputFile)
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static readonly LlamaCppSuite LlamaSpm = Vocab("llama-spm");
    public static readonly LlamaCppSuite Gpt2 = Vocab("gpt-2");
    public static readonly LlamaCppSuite DeepSeekCoder = Vocab("deepseek-coder");
    public static readonly LlamaCppSuite Qwen2 = Vocab("qwen2");

    public static IEnumerable<LlamaCppSuite> All => [LlamaSpm, Gpt2, DeepSeekCoder, Qwen2];

    public string InputPath => Path.Combine(Fixtures.Root, InputFile);

    /// <summary>The test strings, or none when the fixtures are absent (tests then report the missing file).</summary>
    public IReadOnlyList<string> Inputs()
    {
        if (!File.Exists(InputPath))
        {
            return [];
        }
        var text = File.ReadAllText(InputPath, Encoding.UTF8);
        var parts = text.Split(Separator);
        if (parts[^1].Length != 0)
        {
            throw new InvalidDataException($"{InputPath} does not end with the separator.");
        }
        return parts[..^1];
    }

    /// <summary>The expected ids of every test string, in order.</summary>
    public IReadOnlyList<int[]> ExpectedIds()
    {
        var lines = File.ReadAllText(Fixtures.Require(OutputFile), Encoding.UTF8).Split('\n');
        return lines[..^1]
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())
            .ToArray();
    }

    /// <summary>The cases of every suite (<see cref="Cases"/>), for the tests that run them all.</summary>
    public static IEnumerable<TestCaseData> AllCases() => All.SelectMany(Cases);

    /// <summary>NUnit cases, one per test string, named after the suite, the index and the string.</summary>
    public static IEnumerable<TestCaseData> Cases(LlamaCppSuite suite)
    {
        var inputs = suite.Inputs();
        if (inputs.Count == 0)
        {
            yield return new TestCaseData(suite, -1, "").SetName($"{suite.Name} (fixtures missing)");
            yield break;
        }
        for (var i = 0; i < inputs.Count; i++)
        {
            yield return new TestCaseData(suite, i, inputs[i]).SetName($"{suite.Name} #{i:00} \"{Printable(inputs[i])}\"");
        }
    }

    public override string ToString() => Name;

    private static LlamaCppSuite Vocab(string name) =>
        new(name, $"tokenizers/ggml-vocab-{name}.gguf.inp", $"tokenizers/ggml-vocab-{name}.gguf.out");

    private static string Printable(string text)
    {
        var escaped = text.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r").Replace("\"", "'");
        return escaped.Length <= 40 ? escaped : escaped[..40] + "...";
    }
}
