using System.Collections.Concurrent;
using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// BPE with ranked merges, as llama.cpp implements it (<c>llm_tokenizer_bpe_session</c>): the text
/// is split into words by the pre-tokenizer, each word starts as one symbol per byte (byte-level
/// vocabularies) or per character, and the adjacent pair with the lowest merge rank merges first
/// (leftmost on ties) until no adjacent pair has a merge. Words repeat a lot in real text, so
/// their tokens are cached.
/// </summary>
internal sealed class BpeEncoder : IFragmentEncoder
{
    private const int CacheCapacity = 1 << 17;
    private const int MaxCachedWordLength = 64;
    private const int NotAToken = -1;
    private const int MergedAway = -2;

    private readonly Vocabulary _vocabulary;
    private readonly BpeMergeTable _merges;
    private readonly VocabularyData _settings;
    private readonly PreTokenizer _preTokenizer;
    private readonly int[] _byteSymbols = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cachedWords;

    /// <param name="vocabulary">The vocabulary.</param>
    /// <param name="merges">The merges.</param>
    /// <param name="settings">The BPE settings (<see cref="VocabularyData.PreTokenizer"/> must be set).</param>
    public BpeEncoder(Vocabulary vocabulary, BpeMergeTable merges, VocabularyData settings)
    {
        _vocabulary = vocabulary;
        _merges = merges;
        _settings = settings;
        _preTokenizer = settings.PreTokenizer ?? throw new ArgumentException("A BPE vocabulary needs a pre-tokenizer.", nameof(settings));
        for (var b = 0; b < 256; b++)
        {
            _byteSymbols[b] = vocabulary.TryGetId([ByteLevelAlphabet.ToChar((byte)b)], out var id) ? id : NotAToken;
        }
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public void Encode(ReadOnlySpan<char> fragment, bool startsText, List<int> output)
    {
        var text = CodepointText.From(Prepare(fragment, startsText));
        var start = 0;
        foreach (var length in _preTokenizer.Split(text))
        {
            AppendWord(text.Slice(start, length), output);
            start += length;
        }
    }

    private string Prepare(ReadOnlySpan<char> fragment, bool startsText)
    {
        var text = fragment.ToString();
        if (_settings.Normalizer is { } normalize)
        {
            text = normalize(text);
        }
        if (_settings.SpacePrefix == SpacePrefix.EveryFragment || (_settings.SpacePrefix == SpacePrefix.FirstFragment && startsText))
        {
            text = " " + text;
        }
        return _settings.EscapeSpaces ? text.Replace(' ', SentencePieceEncoder.SpaceMarker) : text;
    }

    private void AppendWord(ReadOnlySpan<char> word, List<int> output)
    {
        // Long words are rare repeats and would make the cache large (without a pre-tokenizer,
        // as in Llama 2's tokenizer.json, the whole text is one word).
        if (word.Length > MaxCachedWordLength)
        {
            output.AddRange(EncodeWord(word));
            return;
        }
        if (!_cacheBySpan.TryGetValue(word, out var tokens))
        {
            tokens = EncodeWord(word);
            // Counted here: ConcurrentDictionary.Count takes every lock of the table, which costs
            // more than encoding a word once the table has grown.
            if (Interlocked.Increment(ref _cachedWords) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cachedWords, 0);
            }
            _cacheBySpan.TryAdd(word, tokens);
        }
        output.AddRange(tokens);
    }

    private int[] EncodeWord(ReadOnlySpan<char> word) =>
        _settings.ByteLevel ? EncodeBytes(word) : EncodeCharacters(word);

    private int[] EncodeBytes(ReadOnlySpan<char> word)
    {
        var bytes = Encoding.UTF8.GetBytes(word.ToString());
        if (_settings.IgnoreMerges)
        {
            Span<char> spelled = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
            for (var i = 0; i < bytes.Length; i++)
            {
                spelled[i] = ByteLevelAlphabet.ToChar(bytes[i]);
            }
            if (_vocabulary.TryGetId(spelled, out var whole))
            {
                return [whole];
            }
        }
        var symbols = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            symbols[i] = _byteSymbols[bytes[i]];
        }
        Merge(symbols);
        // A byte that is not a token (the vocabulary lacks it) is dropped, as in llama.cpp.
        return Array.FindAll(symbols, id => id >= 0);
    }

    private int[] EncodeCharacters(ReadOnlySpan<char> word)
    {
        if (_settings.IgnoreMerges && _vocabulary.TryGetId(word, out var whole))
        {
            return [whole];
        }
        var symbols = new int[word.Length];
        var starts = new int[word.Length];
        var count = 0;
        for (var position = 0; position < word.Length; count++)
        {
            Rune.DecodeFromUtf16(word[position..], out _, out var consumed);
            starts[count] = position;
            symbols[count] = _vocabulary.TryGetId(word.Slice(position, consumed), out var id) ? id : NotAToken;
            position += consumed;
        }
        Array.Resize(ref symbols, count);
        Merge(symbols);

        var tokens = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            if (symbols[i] >= 0)
            {
                tokens.Add(symbols[i]);
            }
            else if (symbols[i] == NotAToken)
            {
                var end = i + 1 < count ? starts[i + 1] : word.Length;
                AppendUncovered(word[starts[i]..end], tokens);
            }
        }
        return [.. tokens];
    }

    /// <summary>A character no token covers: its byte tokens, the unknown token, or (without either) nothing, as in Hugging Face.</summary>
    private void AppendUncovered(ReadOnlySpan<char> character, List<int> tokens)
    {
        if (_settings.ByteFallback)
        {
            ByteFallback.Append(_vocabulary, character, tokens);
        }
        else if (_vocabulary.UnknownId is { } unknown)
        {
            tokens.Add(unknown);
        }
    }

    /// <summary>Merges the symbols in place; merged-away symbols are left as <see cref="MergedAway"/>.</summary>
    private void Merge(int[] symbols)
    {
        if (symbols.Length < 2)
        {
            return;
        }
        var previous = new int[symbols.Length];
        var next = new int[symbols.Length];
        for (var i = 0; i < symbols.Length; i++)
        {
            previous[i] = i - 1;
            next[i] = i + 1 < symbols.Length ? i + 1 : -1;
        }

        // Priority: lowest rank first, then leftmost.
        var queue = new PriorityQueue<(int Left, int Right, int LeftId, int RightId, int Merged), long>();
        void TryQueue(int left, int right)
        {
            if (left >= 0 && right >= 0 && symbols[left] >= 0 && symbols[right] >= 0
                && _merges.TryGet(symbols[left], symbols[right], out var rank, out var merged))
            {
                queue.Enqueue((left, right, symbols[left], symbols[right], merged), ((long)rank << 32) | (uint)left);
            }
        }

        for (var i = 1; i < symbols.Length; i++)
        {
            TryQueue(i - 1, i);
        }
        while (queue.TryDequeue(out var pair, out _))
        {
            var (left, right, leftId, rightId, merged) = pair;
            // A pair queued before one of its symbols merged elsewhere is stale.
            if (symbols[left] != leftId || symbols[right] != rightId || next[left] != right)
            {
                continue;
            }
            symbols[left] = merged;
            symbols[right] = MergedAway;
            next[left] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = left;
            }
            TryQueue(previous[left], left);
            TryQueue(left, next[left]);
        }
    }
}
