using MetalCore.Models;

namespace MetalCore.Evaluation;

/// <summary>A sum of negative log-likelihoods (natural log) over scored tokens.</summary>
/// <param name="NegativeLogLikelihood">Σ −ln p(token | the tokens before it).</param>
/// <param name="ScoredTokens">How many tokens were scored.</param>
internal readonly record struct PerplexityResult(double NegativeLogLikelihood, long ScoredTokens)
{
    /// <summary>exp(NLL / scored tokens).</summary>
    public double Perplexity => Math.Exp(NegativeLogLikelihood / ScoredTokens);

    /// <summary>Both sums together.</summary>
    public static PerplexityResult operator +(PerplexityResult a, PerplexityResult b) =>
        new(a.NegativeLogLikelihood + b.NegativeLogLikelihood, a.ScoredTokens + b.ScoredTokens);
}

/// <summary>
/// Perplexity: how well a model predicts tokens, exp of the mean negative log-likelihood of the
/// scored tokens given everything before them in the same context window.
/// </summary>
internal static class Perplexity
{
    /// <summary>
    /// llama.cpp's perplexity (tools/perplexity): the tokens are cut into consecutive chunks of
    /// <paramref name="context"/> tokens (a remainder shorter than a chunk is dropped); each chunk
    /// is evaluated in a fresh context, with its first token replaced by BOS when
    /// <paramref name="bos"/> is given; of each chunk only the second half is scored: the tokens
    /// at chunk positions context/2 + 1 … context − 1, each predicted from all tokens before it
    /// in the chunk (context − context/2 − 1 tokens per chunk).
    /// </summary>
    /// <param name="session">A session holding at least <paramref name="context"/> tokens and returning logits for a batch of rows.</param>
    /// <param name="tokens">The whole text's tokens.</param>
    /// <param name="context">Tokens per chunk (at least 4).</param>
    /// <param name="bos">The BOS token that starts every chunk, or null for a model that adds none.</param>
    /// <param name="progress">Called after each chunk with (chunks done, chunks in all, the running result).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="ArgumentException">Fewer than two chunks of tokens (llama.cpp refuses these too).</exception>
    public static PerplexityResult OfChunks(InferenceSession session, ReadOnlySpan<int> tokens, int context, int? bos,
        Action<int, int, PerplexityResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 4);
        var chunks = tokens.Length / context;
        if (chunks < 2)
        {
            throw new ArgumentException(
                $"The text has {tokens.Length} tokens; perplexity with a context of {context} needs at least {2 * context} (two chunks): use a smaller context or a longer text.",
                nameof(tokens));
        }
        var chunk = new int[context];
        var total = default(PerplexityResult);
        for (var i = 0; i < chunks; i++)
        {
            tokens.Slice(i * context, context).CopyTo(chunk);
            if (bos is { } id)
            {
                chunk[0] = id;
            }
            total += OfSequence(session, chunk, context / 2 + 1, cancellationToken);
            progress?.Invoke(i + 1, chunks, total);
        }
        return total;
    }

    /// <summary>
    /// Scores the tokens of one sequence from <paramref name="firstScored"/> on, each predicted
    /// from all tokens before it, in a fresh context (the session is reset first).
    /// </summary>
    /// <param name="session">A session that holds the sequence.</param>
    /// <param name="tokens">The sequence; the last token is scored but never fed.</param>
    /// <param name="firstScored">The index of the first scored token (at least 1: the first token has nothing to predict it).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static PerplexityResult OfSequence(InferenceSession session, ReadOnlySpan<int> tokens, int firstScored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstScored, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstScored, tokens.Length - 1);
        session.Reset();
        var vocabulary = session.VocabularySize;
        var batch = session.MaxLogitRows;
        var logits = new float[batch * vocabulary];
        var result = default(PerplexityResult);
        // Position p's logits predict token p + 1; positions before firstScored - 1 only build context.
        var fed = tokens[..^1];
        for (var start = 0; start < fed.Length; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batch, fed.Length - start);
            session.AppendAll(fed.Slice(start, count), logits.AsSpan(0, count * vocabulary));
            for (var row = Math.Max(0, firstScored - 1 - start); row < count; row++)
            {
                var target = tokens[start + row + 1];
                result += new PerplexityResult(-LogSoftmax(logits.AsSpan(row * vocabulary, vocabulary), target), 1);
            }
        }
        return result;
    }

    // ln softmax(logits)[index], in double: ln Σ exp(l − max) must not lose the small terms.
    private static double LogSoftmax(ReadOnlySpan<float> logits, int index)
    {
        var max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        var sum = 0.0;
        foreach (var value in logits)
        {
            sum += Math.Exp(value - max);
        }
        return logits[index] - max - Math.Log(sum);
    }
}
