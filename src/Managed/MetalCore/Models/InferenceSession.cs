using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// One sequence being generated: its KV cache and the activations of its forward passes. Prompt
/// tokens are processed in batches; single tokens replay a recorded decode step (a CUDA graph,
/// one Metal command buffer, an op list on the CPU). Not thread-safe: one caller at a time.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly ComputeContext _context;
    private readonly TransformerConfig _config;
    private readonly DecoderForward _forward;
    private readonly KvCache _cache;
    private readonly ActivationBuffers _activations;
    private readonly int[] _positions;
    private GraphHandle? _decodeStep;
    private bool _disposed;

    internal InferenceSession(ComputeContext context, TransformerConfig config, ModelWeights weights, SessionOptions options)
    {
        options.Validate();
        _context = context;
        _config = config;
        _forward = DecoderForward.For(context, config, weights);
        _cache = new KvCache(context, config, options.ContextLength, options.KvCacheType);
        _activations = new ActivationBuffers(context, config, options.BatchSize, Math.Min(options.BatchSize, options.MaxLogitRows));
        _positions = new int[options.BatchSize];
    }

    /// <summary>Tokens in the KV cache: the position of the next token.</summary>
    public int Position { get; private set; }

    /// <summary>Tokens the session can hold.</summary>
    public int ContextLength => _cache.Capacity;

    /// <summary>Rows of logits one forward pass returns at most (<see cref="SessionOptions.MaxLogitRows"/>, capped by the batch size).</summary>
    public int MaxLogitRows => _activations.MaxLogitRows;

    /// <summary>Entries in each row of logits.</summary>
    public int VocabularySize => _config.VocabularySize;

    /// <summary>Prompt tokens one batch of the forward pass takes.</summary>
    internal int BatchSize => _activations.MaxTokens;

    /// <summary>Forgets every token (the cache is reused from position 0).</summary>
    public void Reset() => Position = 0;

    /// <summary>Keeps only the first <paramref name="tokens"/> tokens (e.g. to regenerate a reply).</summary>
    public void Truncate(int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tokens, Position);
        Position = tokens;
    }

    /// <summary>Appends tokens and returns the most likely next token (only 4 bytes are read back).</summary>
    public int AppendGreedy(ReadOnlySpan<int> tokens)
    {
        Append(tokens, logitRowsPerChunk: 1);
        Span<int> next = stackalloc int[1];
        _activations.Tokens.Buffer.Read(next);
        return next[0];
    }

    /// <summary>Appends tokens and copies the logits of the last one into <paramref name="logits"/>.</summary>
    public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        CheckLength(logits.Length, VocabularySize, nameof(logits));
        Append(tokens, logitRowsPerChunk: 1);
        _activations.Logits.Buffer.Read(logits);
    }

    /// <summary>
    /// Appends tokens and copies the logits of every one of them into <paramref name="logits"/>
    /// (tokens × vocabulary, row-major), as perplexity and reference comparisons need.
    /// </summary>
    public void AppendAll(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        CheckLength(logits.Length, tokens.Length * VocabularySize, nameof(logits));
        var chunk = _activations.MaxLogitRows;
        for (var start = 0; start < tokens.Length; start += chunk)
        {
            var count = Math.Min(chunk, tokens.Length - start);
            Append(tokens.Slice(start, count), logitRowsPerChunk: count);
            _activations.Logits.Buffer.Read(logits.Slice(start * VocabularySize, count * VocabularySize));
        }
    }

    // Runs the tokens through the model in batches; each batch leaves logits for its last
    // `logitRowsPerChunk` tokens and the argmax of its last token in Tokens[0].
    private void Append(ReadOnlySpan<int> tokens, int logitRowsPerChunk)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("No tokens to append.", nameof(tokens));
        }
        if (tokens.Length > ContextLength - Position)
        {
            throw new ContextFullException(Position, tokens.Length, ContextLength);
        }
        foreach (var token in tokens)
        {
            if ((uint)token >= (uint)VocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token id {token} is outside the vocabulary of {VocabularySize}.");
            }
        }
        var batch = logitRowsPerChunk > 1 ? logitRowsPerChunk : _activations.MaxTokens;
        for (var start = 0; start < tokens.Length; start += batch)
        {
            var count = Math.Min(batch, tokens.Length - start);
            for (var i = 0; i < count; i++)
            {
                _positions[i] = Position + i;
            }
            _activations.Tokens.Buffer.Write(tokens.Slice(start, count));
            _activations.Positions.Buffer.Write<int>(_positions.AsSpan(0, count));
            if (count == 1 && logitRowsPerChunk == 1)
            {
                ComputeContext.LaunchGraph(_decodeStep ??= RecordDecodeStep());
            }
            else
            {
                _forward.Enqueue(_activations, _cache, count, Math.Min(count, logitRowsPerChunk));
            }
            Position += count;
        }
    }

    // The single-token step, recorded once: it reads the token and position from the
    // activation buffers, so replays only need those 8 bytes written.
    private GraphHandle RecordDecodeStep()
    {
        _context.BeginGraph();
        try
        {
            _forward.Enqueue(_activations, _cache, tokens: 1, logitRows: 1);
        }
        catch
        {
            // Leave the context out of recording mode before reporting the failure.
            try { _context.EndGraph().Dispose(); } catch (ArgumentException) { }
            throw;
        }
        return _context.EndGraph();
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} holds {actual} values; expected {expected}.", name);
        }
    }

    /// <summary>Releases the session's KV cache and buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _decodeStep?.Dispose();
        _activations.Dispose();
        _cache.Dispose();
    }
}

/// <summary>Adding tokens would overflow the session's context.</summary>
public sealed class ContextFullException : MetalCoreException
{
    /// <summary>Creates the exception with the counts involved.</summary>
    public ContextFullException(int position, int adding, int capacity)
        : base($"The context holds {position} tokens; adding {adding} would exceed its capacity of {capacity}. "
            + "Start a new session (or Reset it), or load the model with a larger ContextLength.")
    {
        Position = position;
        Adding = adding;
        Capacity = capacity;
    }

    /// <summary>Tokens already in the context.</summary>
    public int Position { get; }
    /// <summary>Tokens that were being added.</summary>
    public int Adding { get; }
    /// <summary>The context's capacity.</summary>
    public int Capacity { get; }
}
