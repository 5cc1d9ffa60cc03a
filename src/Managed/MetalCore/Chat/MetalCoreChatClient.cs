using System.Runtime.CompilerServices;
using MetalCore.Chat.Templates;
using MetalCore.Generation;
using Microsoft.Extensions.AI;

namespace MetalCore.Chat;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="LanguageModel"/>: prompts are rendered with the
/// model's own chat template, generation streams token by token, and the KV cache is kept from
/// one request to the next, so a growing conversation only pays for its new turns.
/// </summary>
/// <remarks>
/// <para>ChatOptions honoured: <c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>MaxOutputTokens</c>,
/// <c>Seed</c>, <c>StopSequences</c> (of any length in tokens; the stop text is not part of the
/// reply), <c>FrequencyPenalty</c>, <c>PresencePenalty</c>, <c>Instructions</c> (a system message
/// before the conversation) and <c>ModelId</c> (must name this client's model). Through
/// <c>AdditionalProperties</c>: <c>min_p</c>, <c>repeat_penalty</c>, <c>repeat_last_n</c> (the
/// penalty window, -1 = all) and <c>chat_template_kwargs</c> (template variables). Tools and JSON
/// response formats are refused with <see cref="NotSupportedException"/>.</para>
/// <para>Responses carry <c>Usage</c> (input, cached input and output tokens) and
/// <c>FinishReason</c>: <c>Stop</c> at an end-of-turn token or a stop sequence, <c>Length</c> at
/// <c>MaxOutputTokens</c> or a full context.</para>
/// <para>Thread safety: any number of threads may call the client at once. Requests run one at a
/// time, in the order they arrive, on one session (the model's device runs one thing at a time);
/// a waiting request honours its cancellation token. Cancellation is seen before every token: the
/// request then throws <see cref="OperationCanceledException"/>. Stopping the enumeration of a
/// streaming response ends its generation the same way.</para>
/// </remarks>
public sealed class MetalCoreChatClient : IChatClient
{
    private const string ProviderName = "metalcore";

    private readonly LanguageModel _model;
    private readonly MetalCoreChatClientOptions _options;
    private readonly ChatPromptBuilder _prompts;
    private readonly ChatClientMetadata _metadata;
    private TextGenerator? _generator;
    private bool _disposed;

    /// <summary>Creates a client for <paramref name="model"/>.</summary>
    /// <param name="model">A model with a tokenizer; it must outlive the client unless <see cref="MetalCoreChatClientOptions.OwnsModel"/>.</param>
    /// <param name="options">Template, defaults and session; null for the model's template and greedy replies of up to 256 tokens.</param>
    /// <exception cref="ArgumentException">The model has no tokenizer, or no chat template and none is given.</exception>
    /// <exception cref="ChatTemplateException">The chat template is not valid or uses an unsupported construct.</exception>
    public MetalCoreChatClient(LanguageModel model, MetalCoreChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new MetalCoreChatClientOptions();
        var tokenizer = model.Tokenizer ?? throw new ArgumentException(
            $"The model '{model.Name}' has no tokenizer (a synthetic model cannot chat).", nameof(model));
        var source = _options.ChatTemplate ?? model.ChatTemplateSource ?? throw new ArgumentException(
            $"The model '{model.Name}' ({model.Source}) has no chat template (no '{ModelChatTemplate.GgufKey}' in its metadata): "
            + "set MetalCoreChatClientOptions.ChatTemplate to the Jinja template of the chat format it was trained on.", nameof(model));
        _options.Defaults.Sampling.Validate();
        _model = model;
        ChatTemplate = ChatTemplate.Parse(source);
        ModelId = _options.ModelId ?? model.Name;
        _prompts = new ChatPromptBuilder(ChatTemplate, tokenizer, _options.TemplateVariables);
        _metadata = new ChatClientMetadata(ProviderName, ProviderUri(model.Source), ModelId);
    }

    /// <summary>The model id responses carry.</summary>
    public string ModelId { get; }

    /// <summary>The chat template prompts are rendered with.</summary>
    public ChatTemplate ChatTemplate { get; }

    /// <summary>The statistics of the last finished request (tests and diagnostics).</summary>
    internal GenerationStatistics? LastStatistics => _generator?.LastStatistics;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        await _model.ExecutionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        string text;
        GenerationStatistics statistics;
        try
        {
            (text, statistics) = await Task.Run(() =>
            {
                var generator = Generator();
                var reply = string.Concat(generator.Generate(request.Tokens, request.Generation, cancellationToken));
                return (reply, generator.LastStatistics!);
            }, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _model.ExecutionGate.Release();
        }
        ThrowIfCancelled(statistics, cancellationToken);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text) { MessageId = request.Id, CreatedAt = request.CreatedAt })
        {
            ResponseId = request.Id,
            ModelId = ModelId,
            CreatedAt = request.CreatedAt,
            FinishReason = FinishReasonOf(statistics),
            Usage = UsageOf(statistics),
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        await _model.ExecutionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var generator = Generator();
            await foreach (var piece in generator.GenerateAsync(request.Tokens, request.Generation, cancellationToken).ConfigureAwait(false))
            {
                yield return Update(request, new TextContent(piece));
            }
            var statistics = generator.LastStatistics!;
            ThrowIfCancelled(statistics, cancellationToken);
            var last = Update(request, new UsageContent(UsageOf(statistics)));
            last.FinishReason = FinishReasonOf(statistics);
            yield return last;
        }
        finally
        {
            _model.ExecutionGate.Release();
        }
    }

    /// <summary>
    /// <see cref="ChatClientMetadata"/> (provider "metalcore", the model file, <see cref="ModelId"/>),
    /// the <see cref="LanguageModel"/>, the <see cref="Templates.ChatTemplate"/>, or this client; null
    /// for anything else and for any <paramref name="serviceKey"/>.
    /// </summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }
        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }
        if (serviceType == typeof(LanguageModel))
        {
            return _model;
        }
        if (serviceType == typeof(ChatTemplate))
        {
            return ChatTemplate;
        }
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Releases the session (and the model when <see cref="MetalCoreChatClientOptions.OwnsModel"/>).
    /// Requests must have finished.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _generator?.Dispose();
        if (_options.OwnsModel)
        {
            _model.Dispose();
        }
    }

    private sealed record Request(int[] Tokens, GenerationOptions Generation, string Id, DateTimeOffset CreatedAt);

    // Everything that can fail on the request's content fails here, before it waits its turn.
    private Request Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var generation = ChatOptionsMapper.ToGeneration(options, _options.Defaults, ModelId);
        var prompt = _prompts.Render(messages, options?.Instructions, ChatOptionsMapper.TemplateVariables(options));
        return new Request(_prompts.Tokenize(prompt), generation, Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);
    }

    // Called with the execution gate held.
    private TextGenerator Generator()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _generator ??= new TextGenerator(_model.CreateSession(_options.Session), _model.Tokenizer!, ownsSession: true);
    }

    private ChatResponseUpdate Update(Request request, AIContent content) => new(ChatRole.Assistant, [content])
    {
        ResponseId = request.Id,
        MessageId = request.Id,
        ModelId = ModelId,
        CreatedAt = request.CreatedAt,
    };

    private static void ThrowIfCancelled(GenerationStatistics statistics, CancellationToken cancellationToken)
    {
        if (statistics.FinishReason == FinishReason.Cancelled)
        {
            throw new OperationCanceledException("The chat request was cancelled.", cancellationToken);
        }
    }

    private static ChatFinishReason FinishReasonOf(GenerationStatistics statistics) => statistics.FinishReason switch
    {
        FinishReason.EndOfGeneration or FinishReason.StopSequence => ChatFinishReason.Stop,
        _ => ChatFinishReason.Length,
    };

    private static UsageDetails UsageOf(GenerationStatistics statistics) => new()
    {
        InputTokenCount = statistics.PromptTokens,
        CachedInputTokenCount = statistics.ReusedPromptTokens,
        OutputTokenCount = statistics.GeneratedTokens,
        TotalTokenCount = statistics.PromptTokens + statistics.GeneratedTokens,
    };

    private static Uri? ProviderUri(string source) =>
        File.Exists(source) ? new Uri(Path.GetFullPath(source)) : null;
}
