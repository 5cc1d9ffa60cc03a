namespace MetalCore.Tokenization;

/// <summary>
/// BPE merges by token id: for a pair of adjacent tokens, its rank (lower merges first) and the
/// token the pair merges into.
/// </summary>
internal sealed class BpeMergeTable
{
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;

    /// <exception cref="InvalidDataException">A merge names a token that is not in the vocabulary.</exception>
    public BpeMergeTable(Vocabulary vocabulary, IReadOnlyList<(string Left, string Right)> merges)
    {
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var leftId = IdOf(vocabulary, left, rank, left, right);
            var rightId = IdOf(vocabulary, right, rank, left, right);
            var mergedId = IdOf(vocabulary, left + right, rank, left, right);
            // The first occurrence of a pair keeps its rank, as in llama.cpp.
            _merges.TryAdd(Key(leftId, rightId), (rank, mergedId));
        }
    }

    public int Count => _merges.Count;

    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        if (_merges.TryGetValue(Key(left, right), out var merge))
        {
            (rank, merged) = merge;
            return true;
        }
        (rank, merged) = (0, 0);
        return false;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static int IdOf(Vocabulary vocabulary, string token, int rank, string left, string right) =>
        vocabulary.TryGetId(token, out var id)
            ? id
            : throw new InvalidDataException($"BPE merge #{rank} ('{left}' '{right}') uses '{token}', which is not in the vocabulary.");
}
