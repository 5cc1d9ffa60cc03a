using System.Numerics.Tensors;

namespace MetalCore.Sampling;

/// <summary>
/// Chooses tokens from logits on the host: penalties, then temperature, top-k, top-p and min-p
/// (Hugging Face's order: the filters see the tempered distribution), then a seeded draw.
/// One sampler belongs to one generation; it is not thread-safe.
/// </summary>
internal sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly RandomSource _random;
    private readonly Dictionary<int, int> _counts = new();
    private float[] _probabilities = [];
    private int[] _order = [];
    private float[] _keys = [];

    /// <summary>Creates a sampler; validates the options.</summary>
    public TokenSampler(SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = new RandomSource(options.Seed ?? (ulong)Random.Shared.NextInt64());
    }

    /// <summary>
    /// Applies the repetition, presence and frequency penalties to <paramref name="logits"/> in
    /// place, for the tokens of <paramref name="history"/> inside the penalty window.
    /// </summary>
    public void ApplyPenalties(Span<float> logits, ReadOnlySpan<int> history)
    {
        if (!_options.HasPenalties)
        {
            return;
        }
        var window = _options.PenaltyWindow < 0 ? history.Length : Math.Min(_options.PenaltyWindow, history.Length);
        _counts.Clear();
        foreach (var token in history[^window..])
        {
            if ((uint)token < (uint)logits.Length)
            {
                _counts[token] = _counts.GetValueOrDefault(token) + 1;
            }
        }
        foreach (var (token, count) in _counts)
        {
            ref var logit = ref logits[token];
            // As llama.cpp and Hugging Face: shrink a positive logit, grow a negative one.
            logit = logit > 0 ? logit / _options.RepetitionPenalty : logit * _options.RepetitionPenalty;
            logit -= count * _options.FrequencyPenalty + _options.PresencePenalty;
        }
    }

    /// <summary>
    /// Picks the next token from <paramref name="logits"/> (modified in place: penalties and
    /// temperature are applied to it).
    /// </summary>
    public int Sample(Span<float> logits, ReadOnlySpan<int> history)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("The logits are empty.", nameof(logits));
        }
        ApplyPenalties(logits, history);
        if (_options.Temperature <= 0)
        {
            return TensorPrimitives.IndexOfMax(logits);
        }
        TensorPrimitives.Divide(logits, _options.Temperature, logits);
        var candidates = SortedCandidates(logits);
        var kept = candidates.Length;
        if (_options.TopK > 0)
        {
            kept = Math.Min(kept, _options.TopK);
        }
        var probabilities = Softmax(logits, candidates[..kept]);
        kept = TopPCount(probabilities, kept);
        kept = MinPCount(probabilities, kept);
        return candidates[Draw(probabilities[..kept])];
    }

    // Tokens less likely than this fraction of the best one are never candidates: their total
    // mass over a 150k vocabulary is below 2e-7, and dropping them first turns a sort of the
    // whole vocabulary per token into a sort of a few hundred.
    private static readonly float s_candidateLogitRange = MathF.Log(1e12f);

    // Candidate token ids ordered by descending logit (a deterministic order for equal logits).
    private ReadOnlySpan<int> SortedCandidates(ReadOnlySpan<float> logits)
    {
        if (_order.Length != logits.Length)
        {
            _order = new int[logits.Length];
            _keys = new float[logits.Length];
        }
        var floor = TensorPrimitives.Max(logits) - s_candidateLogitRange;
        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] >= floor)
            {
                _keys[count] = -logits[i];
                _order[count++] = i;
            }
        }
        Array.Sort(_keys, _order, 0, count);
        return _order.AsSpan(0, count);
    }

    // Probabilities of the candidates (in candidate order), normalized over the candidates.
    private Span<float> Softmax(ReadOnlySpan<float> logits, ReadOnlySpan<int> candidates)
    {
        if (_probabilities.Length < candidates.Length)
        {
            _probabilities = new float[logits.Length];
        }
        var probabilities = _probabilities.AsSpan(0, candidates.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            probabilities[i] = logits[candidates[i]];
        }
        TensorPrimitives.SoftMax(probabilities, probabilities);
        return probabilities;
    }

    // The smallest prefix whose probability reaches TopP (at least one token).
    private int TopPCount(ReadOnlySpan<float> probabilities, int kept)
    {
        if (_options.TopP >= 1f)
        {
            return kept;
        }
        var cumulative = 0.0;
        for (var i = 0; i < kept; i++)
        {
            cumulative += probabilities[i];
            if (cumulative >= _options.TopP)
            {
                return i + 1;
            }
        }
        return kept;
    }

    // Tokens at least MinP times as likely as the most likely one (a prefix, as they are sorted).
    private int MinPCount(ReadOnlySpan<float> probabilities, int kept)
    {
        if (_options.MinP <= 0f)
        {
            return kept;
        }
        var threshold = probabilities[0] * _options.MinP;
        var count = 1;
        while (count < kept && probabilities[count] >= threshold)
        {
            count++;
        }
        return count;
    }

    // A draw from the (unnormalized) weights; returns the index into them.
    private int Draw(ReadOnlySpan<float> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }
        var target = _random.NextDouble() * total;
        var cumulative = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            cumulative += weights[i];
            if (target < cumulative)
            {
                return i;
            }
        }
        return weights.Length - 1;
    }
}
