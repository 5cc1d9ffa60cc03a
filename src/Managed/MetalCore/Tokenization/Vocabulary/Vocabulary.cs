using System.Globalization;

namespace MetalCore.Tokenization;

/// <summary>
/// The validated token tables of a tokenizer: text and type of every id, the reverse lookup,
/// the special token ids, and the tokens that end generation.
/// </summary>
internal sealed class Vocabulary
{
    /// <summary>
    /// Texts of tokens that end generation, whatever the metadata says (llama.cpp's list in
    /// <c>llama_vocab::impl::load</c>; it also forces these tokens to be control tokens).
    /// </summary>
    private static readonly HashSet<string> s_endOfGenerationTexts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[",
    };

    private readonly string[] _texts;
    private readonly TokenType[] _types;
    private readonly float[] _scores;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;
    private readonly int[] _byteTokens;
    private readonly IReadOnlyDictionary<int, (bool Left, bool Right)> _stripAround;

    public Vocabulary(VocabularyData data)
    {
        var count = data.Tokens.Count;
        if (count == 0)
        {
            throw new InvalidDataException("The vocabulary has no tokens.");
        }
        RequireLength(data.Scores?.Count, count, "scores");
        RequireLength(data.TokenTypes?.Count, count, "token types");

        _texts = new string[count];
        _types = new TokenType[count];
        _scores = new float[count];
        var ids = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var id = 0; id < count; id++)
        {
            // llama.cpp renames empty tokens the same way, so that every text stays unique.
            var text = data.Tokens[id] is { Length: > 0 } t ? t : $"[EMPTY_{id}]";
            if (!ids.TryAdd(text, id))
            {
                throw new InvalidDataException($"Duplicate token in vocabulary: '{text}' has ids {ids[text]} and {id}.");
            }
            _texts[id] = text;
            _types[id] = data.TokenTypes?[id] ?? TokenType.Normal;
            _scores[id] = data.Scores?[id] ?? 0f;
        }
        _idsBySpan = ids.GetAlternateLookup<ReadOnlySpan<char>>();

        BosId = CheckId(data.BosId, "BOS");
        EosId = CheckId(data.EosId, "EOS");
        UnknownId = CheckId(data.UnknownId, "unknown");
        var endOfTurn = CheckId(data.EndOfTurnId, "end-of-turn");
        var endOfMessage = CheckId(data.EndOfMessageId, "end-of-message");
        if (data.AddBos && BosId is null)
        {
            throw new InvalidDataException("The vocabulary asks for a BOS token to be added but has no BOS token id.");
        }
        if (data.AddEos && EosId is null)
        {
            throw new InvalidDataException("The vocabulary asks for an EOS token to be added but has no EOS token id.");
        }

        EndOfGeneration = FindEndOfGeneration(EosId, endOfTurn, endOfMessage);
        _stripAround = data.StripAroundTokens ?? new Dictionary<int, (bool, bool)>();
        foreach (var id in _stripAround.Keys)
        {
            CheckId(id, "strip-around");
        }
        SpecialTokensLongestFirst = Enumerable.Range(0, count)
            .Where(id => _types[id] is TokenType.Control or TokenType.UserDefined or TokenType.Unknown)
            .OrderByDescending(id => _texts[id].Length)
            .ThenBy(id => id)
            .ToArray();
        _byteTokens = FindByteTokens();
    }

    public int Count => _texts.Length;

    public int? BosId { get; }
    public int? EosId { get; }
    public int? UnknownId { get; }

    /// <summary>Tokens that end generation: EOS, end-of-turn, end-of-message and the tokens llama.cpp recognizes by text.</summary>
    public IReadOnlySet<int> EndOfGeneration { get; }

    /// <summary>Control, user-defined and unknown tokens, longest text first: the order llama.cpp matches them in input text.</summary>
    public IReadOnlyList<int> SpecialTokensLongestFirst { get; }

    public string TextOf(int id) => _texts[CheckId(id)];

    public TokenType TypeOf(int id) => _types[CheckId(id)];

    public float ScoreOf(int id) => _scores[id];

    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _idsBySpan.TryGetValue(text, out id);

    /// <summary>Whether a matched special token swallows whitespace on its left / right.</summary>
    public (bool Left, bool Right) StripAround(int id) => _stripAround.TryGetValue(id, out var strip) ? strip : default;

    /// <summary>
    /// The token spelling a single byte for byte fallback: <c>&lt;0xXX&gt;</c>, else (for ASCII)
    /// the character itself, as llama.cpp's <c>byte_to_token</c> looks them up; -1 when neither exists.
    /// </summary>
    public int ByteTokenId(byte value) => _byteTokens[value];

    /// <summary>The id, after checking it is in range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public int CheckId(int id) => (uint)id < (uint)_texts.Length
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{_texts.Length - 1}).");

    private int? CheckId(int? id, string role) => id is { } value && (uint)value >= (uint)_texts.Length
        ? throw new InvalidDataException($"The {role} token id {value} is outside the vocabulary (0..{_texts.Length - 1}).")
        : id;

    private static void RequireLength(int? actual, int expected, string what)
    {
        if (actual is { } value && value < expected)
        {
            throw new InvalidDataException($"The vocabulary has {expected} tokens but only {value} {what}.");
        }
    }

    private HashSet<int> FindEndOfGeneration(params int?[] declared)
    {
        var endOfGeneration = declared.OfType<int>().ToHashSet();
        for (var id = 0; id < _texts.Length; id++)
        {
            if (s_endOfGenerationTexts.Contains(_texts[id]))
            {
                endOfGeneration.Add(id);
                _types[id] = TokenType.Control;
            }
        }
        return endOfGeneration;
    }

    private int[] FindByteTokens()
    {
        var tokens = new int[256];
        for (var b = 0; b < 256; b++)
        {
            var hex = string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");
            tokens[b] = TryGetId(hex, out var id) ? id
                : b < 0x80 && TryGetId([(char)b], out id) ? id
                : -1;
        }
        return tokens;
    }
}
