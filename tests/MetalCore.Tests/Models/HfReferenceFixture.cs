using System.Runtime.InteropServices;
using System.Text.Json;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Models;

/// <summary>
/// One model of tests/MetalCore.Tests/Fixtures/hf (made by tools/reference/make_hf_fixtures.py
/// with transformers): its directory, the token ids it was run on, and what transformers
/// computed (raw little-endian float32 logits, greedy ids).
/// </summary>
internal sealed class HfReferenceFixture
{
    /// <summary>The fixture models, in the order of the folder's index.json.</summary>
    public static readonly string[] Names = ["llama-gqa", "llama-mqa-tied", "llama3-rope", "qwen3-gqa", "qwen3-mqa-tied"];

    private HfReferenceFixture(string name)
    {
        Name = name;
        Directory = Path.Combine(Fixtures.RepositoryRoot, "tests", "MetalCore.Tests", "Fixtures", "hf", name);
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "reference.json")));
        var root = json.RootElement;
        int[] Ints(string key) => root.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        TokensShort = Ints("tokens_short");
        TokensLong = Ints("tokens_long");
        LongPositions = Ints("long_positions");
        Prompt = Ints("prompt");
        Greedy = Ints("greedy");
        Vocabulary = root.GetProperty("logits_short").GetProperty("shape")[1].GetInt32();
        LogitsShort = ReadFloats("logits_short.f32", TokensShort.Length * Vocabulary);
        LogitsLong = ReadFloats("logits_long.f32", LongPositions.Length * Vocabulary);
    }

    public static HfReferenceFixture Load(string name) => new(name);

    public string Name { get; }
    public string Directory { get; }
    public int Vocabulary { get; }
    public int[] TokensShort { get; }
    public int[] TokensLong { get; }
    public int[] LongPositions { get; }
    public int[] Prompt { get; }
    public int[] Greedy { get; }

    /// <summary>[tokens_short, vocab]: logits at every position.</summary>
    public float[] LogitsShort { get; }

    /// <summary>[long_positions, vocab]: row i holds the logits at position LongPositions[i] of tokens_long.</summary>
    public float[] LogitsLong { get; }

    private float[] ReadFloats(string file, int count)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Directory, file));
        Assert.That(bytes, Has.Length.EqualTo(count * sizeof(float)), $"{Name}/{file} size");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>The rows of every-position logits [tokens, vocab] at <see cref="LongPositions"/>.</summary>
    public float[] SelectLongRows(float[] allLogits)
    {
        var rows = new float[LongPositions.Length * Vocabulary];
        for (var i = 0; i < LongPositions.Length; i++)
        {
            allLogits.AsSpan(LongPositions[i] * Vocabulary, Vocabulary).CopyTo(rows.AsSpan(i * Vocabulary));
        }
        return rows;
    }

    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length));
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            var d = MathF.Abs(a[i] - b[i]);
            max = float.IsNaN(d) ? float.PositiveInfinity : MathF.Max(max, d);
        }
        return max;
    }
}
