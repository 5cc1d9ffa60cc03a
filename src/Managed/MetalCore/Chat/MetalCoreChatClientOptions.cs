using MetalCore.Generation;
using MetalCore.Models;

namespace MetalCore.Chat;

/// <summary>How a <see cref="MetalCoreChatClient"/> renders prompts and what it does when a request leaves a choice open.</summary>
public sealed record MetalCoreChatClientOptions
{
    /// <summary>
    /// The Jinja source of the chat template to use instead of the model's own. Required for a
    /// model that ships without one (the template decides how turns are marked up, so
    /// guessing one would quietly degrade the model's answers).
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>
    /// More template variables, as <c>apply_chat_template</c>'s keyword arguments (e.g.
    /// <c>enable_thinking = false</c> for Qwen3). A request adds its own through
    /// <c>ChatOptions.AdditionalProperties["chat_template_kwargs"]</c>.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? TemplateVariables { get; init; }

    /// <summary>The model id responses carry and <c>ChatOptions.ModelId</c> must match; null = <see cref="LanguageModel.Name"/>.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// What a request gets for every option its <c>ChatOptions</c> leaves unset: token limit
    /// (256), sampling (greedy) and stop sequences (a request's stop sequences are added to these).
    /// </summary>
    public GenerationOptions Defaults { get; init; } = new();

    /// <summary>The session's context length, KV cache type and batch sizes; null = the model's defaults
    /// (<see cref="ModelLoadOptions.ContextLength"/>, <see cref="ModelLoadOptions.KvCacheType"/>).</summary>
    public SessionOptions? Session { get; init; }

    /// <summary>Dispose the model with the client.</summary>
    public bool OwnsModel { get; init; }
}
