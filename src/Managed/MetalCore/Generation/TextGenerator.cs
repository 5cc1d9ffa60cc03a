using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MetalCore.Models;
using MetalCore.Sampling;
using MetalCore.Tokenization;

namespace MetalCore.Generation;

/// <summary>
/// Generates text in a session. Every call takes the whole token sequence to continue (the
/// rendered chat so far, say); what the session's KV cache still holds from earlier calls is
/// reused as far as it agrees with that sequence, so a chat only pays for each new turn. Tokens
/// are then chosen one by one until an end-of-generation token, a stop sequence, the token limit
/// or the end of the context, and the text streams out as soon as it is complete UTF-8.
/// </summary>
/// <remarks>One generation at a time: a generator is not thread-safe, and generators of one
/// model must not run at the same time (the model's device runs one thing at a time).</remarks>
public sealed class TextGenerator : IDisposable
{
    private readonly InferenceSession _session;
    private readonly bool _ownsSession;
    // The tokens whose keys and values are in the session's cache, in order.
    private readonly List<int> _cached = [];

    /// <summary>
    /// A generator over <paramref name="session"/>, which it does not dispose. It assumes it is
    /// the session's only user: a session that was changed directly is started afresh.
    /// </summary>
    public TextGenerator(InferenceSession session, ITokenizer tokenizer) : this(session, tokenizer, ownsSession: false) { }

    internal TextGenerator(InferenceSession session, ITokenizer tokenizer, bool ownsSession)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize > session.VocabularySize)
        {
            throw new ArgumentException(
                $"The tokenizer has {tokenizer.VocabularySize} tokens but the model only {session.VocabularySize}: they belong to different models.",
                nameof(tokenizer));
        }
        _session = session;
        _ownsSession = ownsSession;
        Tokenizer = tokenizer;
    }

    /// <summary>The tokenizer that turns generated tokens into text.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Tokens the session holds at most: prompt plus generated text.</summary>
    public int ContextLength => _session.ContextLength;

    /// <summary>
    /// The tokens in the KV cache: the last prompt and what was generated after it (all but the
    /// last token produced, which is returned but only appended by a next call that continues it).
    /// </summary>
    public IReadOnlyList<int> CachedTokens => _cached;

    /// <summary>The statistics of the last generation, once it ended (or was abandoned).</summary>
    public GenerationStatistics? LastStatistics { get; private set; }

    /// <summary>
    /// Streams the text generated after <paramref name="prompt"/>, tokenized with the model's
    /// BOS/EOS conventions and without parsing control-token text (encode it yourself with
    /// <c>parseSpecial</c> for prompts that contain control tokens).
    /// </summary>
    /// <inheritdoc cref="Generate(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/>
    public IEnumerable<string> Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Generate(Tokenizer.Encode(prompt, addSpecial: true), options, cancellationToken);
    }

    /// <summary>
    /// Streams the text generated after <paramref name="promptTokens"/>. The enumeration does
    /// the work: stop enumerating, or cancel, to end the generation; cancellation is seen before
    /// every token and between prompt batches, and ends the generation quietly with
    /// <see cref="FinishReason.Cancelled"/>.
    /// </summary>
    /// <param name="promptTokens">The whole sequence to continue (BOS included where the model wants it).</param>
    /// <param name="options">Length, sampling and stop sequences; null for the defaults.</param>
    /// <param name="cancellationToken">Ends the generation within one token.</param>
    /// <exception cref="ArgumentException">The prompt is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A sampling option is out of range.</exception>
    /// <exception cref="ContextFullException">The prompt alone does not fit in the context.</exception>
    public IEnumerable<string> Generate(IReadOnlyList<int> promptTokens, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        options ??= new GenerationOptions();
        if (promptTokens.Count == 0)
        {
            throw new ArgumentException("The prompt has no tokens; start it with the BOS token at least.", nameof(promptTokens));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxTokens);
        options.Sampling.Validate();
        if (promptTokens.Count > ContextLength)
        {
            throw new ContextFullException(0, promptTokens.Count, ContextLength);
        }
        return Run([.. promptTokens], options, cancellationToken);
    }

    /// <summary>
    /// <see cref="Generate(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/> for
    /// asynchronous callers: each token is computed on the thread pool when the caller asks for
    /// more, so nothing is generated ahead of the reader and cancellation stops it within one token.
    /// </summary>
    /// <inheritdoc cref="Generate(IReadOnlyList{int}, GenerationOptions?, CancellationToken)"/>
    public async IAsyncEnumerable<string> GenerateAsync(IReadOnlyList<int> promptTokens, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var pieces = Generate(promptTokens, options, cancellationToken).GetEnumerator();
        while (await Task.Run(pieces.MoveNext, CancellationToken.None).ConfigureAwait(false))
        {
            yield return pieces.Current;
        }
    }

    /// <summary>Forgets the cached tokens: the next generation processes its whole prompt.</summary>
    public void Reset()
    {
        _session.Reset();
        _cached.Clear();
    }

    private IEnumerable<string> Run(int[] prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        var sampler = new TokenSampler(options.Sampling);
        var history = new List<int>(prompt);
        var stops = new StopSequenceMatcher(options.StopSequences);
        var decoder = Tokenizer.CreateStreamingDecoder(atStartOfText: prompt.All(IsControl));
        var logits = options.Sampling.IsGreedy ? [] : new float[_session.VocabularySize];
        var clock = Stopwatch.StartNew();
        var reused = ReusePrefix(prompt);
        var promptTime = TimeSpan.Zero;
        var reason = FinishReason.MaxTokens;
        var produced = 0;
        var ended = false;
        var rest = "";
        ReadOnlyMemory<int> pending = prompt.AsMemory(reused);
        try
        {
            while (produced < options.MaxTokens)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    reason = FinishReason.Cancelled;
                    break;
                }
                if (pending.Length > _session.ContextLength - _session.Position)
                {
                    reason = FinishReason.ContextFull;
                    break;
                }
                if (pending.Length > _session.BatchSize)
                {
                    // A long prompt goes in one batch at a time, so cancellation is seen between batches.
                    Append(pending[.._session.BatchSize]);
                    pending = pending[_session.BatchSize..];
                    continue;
                }
                var next = Next(pending, sampler, logits, history);
                if (produced == 0)
                {
                    promptTime = clock.Elapsed;
                    clock.Restart();
                }
                produced++;
                history.Add(next);
                if (options.StopAtEndOfGeneration && Tokenizer.EndOfGenerationTokenIds.Contains(next))
                {
                    reason = FinishReason.EndOfGeneration;
                    break;
                }
                var text = stops.Push(decoder.Append(next));
                if (text.Length > 0)
                {
                    yield return text;
                }
                if (stops.Matched != null)
                {
                    reason = FinishReason.StopSequence;
                    break;
                }
                pending = new[] { next };
            }
            rest = reason == FinishReason.StopSequence ? "" : stops.Push(decoder.Flush()) + stops.Flush();
            ended = true;
        }
        finally
        {
            // An enumeration abandoned by its reader ended it as a cancellation would.
            LastStatistics = new GenerationStatistics(prompt.Length, produced, promptTime, clock.Elapsed, ended ? reason : FinishReason.Cancelled)
            {
                ReusedPromptTokens = reused,
            };
        }
        if (rest.Length > 0)
        {
            yield return rest;
        }
    }

    // Keeps the longest cached prefix of the prompt, short of its last token, whose logits
    // choose the first new token. Returns how many tokens were kept.
    private int ReusePrefix(int[] prompt)
    {
        if (_session.Position != _cached.Count)
        {
            // The session was used directly: what its cache holds is unknown.
            Reset();
        }
        var limit = Math.Min(_cached.Count, prompt.Length - 1);
        var common = 0;
        while (common < limit && _cached[common] == prompt[common])
        {
            common++;
        }
        _session.Truncate(common);
        _cached.RemoveRange(common, _cached.Count - common);
        return common;
    }

    // Appends `tokens` and chooses the next one: on the device for greedy decoding (4 bytes
    // come back), from the logits on the host otherwise.
    private int Next(ReadOnlyMemory<int> tokens, TokenSampler sampler, float[] logits, List<int> history)
    {
        if (logits.Length == 0)
        {
            return Append(tokens, logits: null);
        }
        Append(tokens, logits);
        return sampler.Sample(logits, CollectionsMarshal.AsSpan(history));
    }

    // Appends tokens and records them as cached; returns the greedy next token when no logits
    // are asked for. After a failure the cache's content is unknown: the next generation starts afresh.
    private int Append(ReadOnlyMemory<int> tokens, float[]? logits = null)
    {
        try
        {
            var next = 0;
            if (logits is null)
            {
                next = _session.AppendGreedy(tokens.Span);
            }
            else
            {
                _session.Append(tokens.Span, logits);
            }
            _cached.AddRange(tokens.Span);
            return next;
        }
        catch
        {
            Reset();
            throw;
        }
    }

    private bool IsControl(int token) => Tokenizer.GetTokenType(token) == TokenType.Control;

    /// <summary>Releases the session when the generator owns it (one from <see cref="LanguageModel.CreateGenerator"/>).</summary>
    public void Dispose()
    {
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }
}
