namespace MetalCore.Chat.Templates;

/// <summary>One message of a conversation, as a chat template sees it: <c>{"role": ..., "content": ...}</c>.</summary>
/// <param name="Role">The speaker: <c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>, ...</param>
/// <param name="Content">The message text.</param>
public sealed record ChatTemplateMessage(string Role, string Content);
