using System.Text;

namespace MetalCore.Tokenization;

/// <summary>
/// SentencePiece-style BPE as llama.cpp implements it (<c>llm_tokenizer_spm_session</c>): spaces
/// become '▁', the text starts as one symbol per character, and the adjacent pair whose
/// concatenation is the vocabulary entry with the highest score merges first (leftmost on ties),
/// until no adjacent pair forms a token. Symbols that are not tokens are spelled with byte tokens.
/// </summary>
internal sealed class SentencePieceEncoder(Vocabulary vocabulary, SpacePrefix spacePrefix) : IFragmentEncoder
{
    internal const char SpaceMarker = '\u2581';

    public void Encode(ReadOnlySpan<char> fragment, bool startsText, List<int> output)
    {
        var addSpace = spacePrefix == SpacePrefix.EveryFragment || (spacePrefix == SpacePrefix.FirstFragment && startsText);
        var text = (addSpace ? " " + fragment.ToString() : fragment.ToString()).Replace(' ', SpaceMarker);
        new Session(vocabulary, text).Run(output);
    }

    /// <summary>The symbols of one text while they merge: a linked list over the text's characters.</summary>
    private sealed class Session
    {
        private readonly Vocabulary _vocabulary;
        private readonly string _text;
        private readonly int[] _start;
        private readonly int[] _length;
        private readonly int[] _previous;
        private readonly int[] _next;
        private readonly PriorityQueue<(int Left, int Right, int Length), (float Score, int Left)> _queue =
            new(HighestScoreThenLeftmost.Instance);

        public Session(Vocabulary vocabulary, string text)
        {
            _vocabulary = vocabulary;
            _text = text;
            var count = 0;
            _start = new int[text.Length];
            _length = new int[text.Length];
            for (var position = 0; position < text.Length; count++)
            {
                Rune.DecodeFromUtf16(text.AsSpan(position), out _, out var consumed);
                _start[count] = position;
                _length[count] = consumed;
                position += consumed;
            }
            _previous = new int[count];
            _next = new int[count];
            for (var i = 0; i < count; i++)
            {
                _previous[i] = i - 1;
                _next[i] = i + 1 < count ? i + 1 : -1;
            }
        }

        public void Run(List<int> output)
        {
            if (_next.Length == 0)
            {
                return;
            }
            for (var i = 1; i < _next.Length; i++)
            {
                TryQueue(i - 1, i);
            }
            while (_queue.TryDequeue(out var pair, out _))
            {
                var (left, right, length) = pair;
                // A pair queued before one of its symbols merged elsewhere is stale.
                if (_length[left] == 0 || _length[right] == 0 || _length[left] + _length[right] != length)
                {
                    continue;
                }
                _length[left] += _length[right];
                _length[right] = 0;
                _next[left] = _next[right];
                if (_next[right] >= 0)
                {
                    _previous[_next[right]] = left;
                }
                TryQueue(_previous[left], left);
                TryQueue(left, _next[left]);
            }
            for (var i = 0; i != -1; i = _next[i])
            {
                AppendSymbol(_text.AsSpan(_start[i], _length[i]), output);
            }
        }

        private void TryQueue(int left, int right)
        {
            if (left < 0 || right < 0)
            {
                return;
            }
            var length = _length[left] + _length[right];
            if (_vocabulary.TryGetId(_text.AsSpan(_start[left], length), out var id))
            {
                _queue.Enqueue((left, right, length), (_vocabulary.ScoreOf(id), left));
            }
        }

        private void AppendSymbol(ReadOnlySpan<char> symbol, List<int> output)
        {
            if (_vocabulary.TryGetId(symbol, out var id))
            {
                output.Add(id);
                return;
            }
            ByteFallback.Append(_vocabulary, symbol, output);
        }
    }

    private sealed class HighestScoreThenLeftmost : IComparer<(float Score, int Left)>
    {
        public static readonly HighestScoreThenLeftmost Instance = new();

        public int Compare((float Score, int Left) x, (float Score, int Left) y)
        {
            var byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Left.CompareTo(y.Left);
        }
    }
}
