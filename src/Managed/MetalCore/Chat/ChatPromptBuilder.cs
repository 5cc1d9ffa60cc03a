using MetalCore.Chat.Templates;
using MetalCore.Tokenization;
using Microsoft.Extensions.AI;

namespace MetalCore.Chat;

/// <summary>
/// Renders a conversation with the model's chat template and tokenizes it the way llama.cpp
/// does for chat: control-token text in the render becomes control tokens, and BOS is added
/// when the model wants one and the template did not already write it.
/// </summary>
internal sealed class ChatPromptBuilder(ChatTemplate template, ITokenizer tokenizer, IReadOnlyDictionary<string, object?>? templateVariables)
{
    private readonly string? _bos = tokenizer.BosTokenId is { } id ? tokenizer.GetTokenText(id) : null;
    private readonly string? _eos = tokenizer.EosTokenId is { } id ? tokenizer.GetTokenText(id) : null;

    /// <summary>The prompt text for <paramref name="messages"/> (preceded by <paramref name="instructions"/>
    /// as a system message), ending with the header of the assistant's reply.</summary>
    public string Render(IEnumerable<ChatMessage> messages, string? instructions, IReadOnlyDictionary<string, object?>? requestVariables)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<ChatTemplateMessage>();
        if (!string.IsNullOrEmpty(instructions))
        {
            turns.Add(new ChatTemplateMessage(ChatRole.System.Value, instructions));
        }
        var index = 0;
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            RejectNonText(message, index++);
            turns.Add(new ChatTemplateMessage(message.Role.Value, message.Text));
        }
        if (turns.Count == 0)
        {
            throw new ArgumentException("The conversation has no messages.", nameof(messages));
        }
        return template.Render(turns, addGenerationPrompt: true, _bos, _eos, Merge(templateVariables, requestVariables));
    }

    /// <summary>The tokens of a rendered prompt.</summary>
    public int[] Tokenize(string prompt)
    {
        var tokens = tokenizer.Encode(prompt, addSpecial: false, parseSpecial: true);
        return tokenizer.AddsBosToken && tokenizer.BosTokenId is { } bos && (tokens.Length == 0 || tokens[0] != bos)
            ? [bos, .. tokens]
            : tokens;
    }

    // Text, and reasoning text of earlier replies, can be rendered; images, audio and tool
    // calls cannot, and dropping them would answer a question that was not asked.
    private static void RejectNonText(ChatMessage message, int index)
    {
        foreach (var content in message.Contents)
        {
            if (content is not (TextContent or TextReasoningContent or UsageContent))
            {
                throw new NotSupportedException(
                    $"Message {index} ({message.Role}) holds {content.GetType().Name}; MetalCoreChatClient renders text only.");
            }
        }
    }

    private static IReadOnlyDictionary<string, object?>? Merge(IReadOnlyDictionary<string, object?>? client, IReadOnlyDictionary<string, object?>? request)
    {
        if (request is null || client is null)
        {
            return request ?? client;
        }
        var merged = new Dictionary<string, object?>(client, StringComparer.Ordinal);
        foreach (var (name, value) in request)
        {
            merged[name] = value;
        }
        return merged;
    }
}
