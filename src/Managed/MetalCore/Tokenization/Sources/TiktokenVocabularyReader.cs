using System.Globalization;

namespace MetalCore.Tokenization;

/// <summary>
/// Reads a tiktoken BPE file (one <c>base64(token bytes) rank</c> per line, as OpenAI's tiktoken
/// and Qwen publish them) into byte-level BPE vocabulary data. tiktoken has no merge list: a pair
/// merges when its concatenation is a token, lowest rank first. The merges are derived the way
/// Hugging Face converts tiktoken files (<c>TikTokenConverter</c>): every split of a token into
/// two tokens is a merge ranked by the token, ties ordered by the ranks of the two halves.
/// </summary>
internal static class TiktokenVocabularyReader
{
    /// <exception cref="InvalidDataException">A line is malformed, or the ranks are not 0, 1, 2, ... without gaps.</exception>
    public static VocabularyData Read(string path, IReadOnlyList<AddedToken> addedTokens)
    {
        var tokens = ReadRanks(path);
        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var rank = 0; rank < tokens.Count; rank++)
        {
            if (!ids.TryAdd(tokens[rank], rank))
            {
                throw new InvalidDataException($"{path}: ranks {ids[tokens[rank]]} and {rank} have the same token bytes.");
            }
        }

        var rankCount = tokens.Count;
        var types = new List<TokenType>(Enumerable.Repeat(TokenType.Normal, rankCount));
        foreach (var added in addedTokens.OrderBy(t => t.Id))
        {
            if (added.Id != tokens.Count)
            {
                throw new InvalidDataException(
                    $"Added token '{added.Text}' has id {added.Id} where {tokens.Count} was expected: added tokens take the ids right after the {rankCount} ranks of {path}, without gaps.");
            }
            tokens.Add(added.Text);
            types.Add(added.IsSpecial ? TokenType.Control : TokenType.UserDefined);
        }

        return new VocabularyData
        {
            Algorithm = TokenizerAlgorithm.BytePairEncoding,
            Tokens = tokens,
            TokenTypes = types,
            Merges = DeriveMerges(tokens, ids),
        };
    }

    private static List<string> ReadRanks(string path)
    {
        var tokens = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var space = line.IndexOf(' ');
            if (space <= 0
                || !int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
                || !TryDecodeBase64(line.AsSpan(0, space), out var bytes))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'base64-token rank', found '{Shorten(line)}'.");
            }
            if (rank != tokens.Count)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: rank {rank} where rank {tokens.Count} was expected (ranks must be 0, 1, 2, ... in order).");
            }
            tokens.Add(string.Create(bytes.Length, bytes, static (chars, b) =>
            {
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = ByteLevelAlphabet.ToChar(b[i]);
                }
            }));
        }
        if (tokens.Count == 0)
        {
            throw new InvalidDataException($"{path}: the file holds no ranks.");
        }
        return tokens;
    }

    private static bool TryDecodeBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        if (Convert.TryFromBase64Chars(text, buffer, out var written) && written > 0)
        {
            bytes = buffer[..written];
            return true;
        }
        bytes = [];
        return false;
    }

    private static List<(string Left, string Right)> DeriveMerges(List<string> tokens, Dictionary<string, int> ranks)
    {
        var lookup = ranks.GetAlternateLookup<ReadOnlySpan<char>>();
        var merges = new List<(int Rank, int LeftRank, int RightRank, string Left, string Right)>();
        for (var rank = 0; rank < ranks.Count; rank++)
        {
            var token = tokens[rank];
            for (var split = 1; split < token.Length; split++)
            {
                if (lookup.TryGetValue(token.AsSpan(0, split), out var leftRank)
                    && lookup.TryGetValue(token.AsSpan(split), out var rightRank))
                {
                    merges.Add((rank, leftRank, rightRank, token[..split], token[split..]));
                }
            }
        }
        merges.Sort((x, y) => (x.Rank, x.LeftRank, x.RightRank).CompareTo((y.Rank, y.LeftRank, y.RightRank)));
        return merges.ConvertAll(m => (m.Left, m.Right));
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "...";
}
