// A console chat with a local model: type a message, watch the reply stream in. The model keeps
// the conversation in its KV cache, so each turn only processes the new text.
//   dotnet run --project samples/ChatConsole -- model.gguf [template.jinja]
// The template argument is for models that ship without a chat template. Empty line or
// Ctrl+D quits; Ctrl+C stops the current reply; "/reset" starts a new conversation.
using MetalCore;
using MetalCore.Chat;
using Microsoft.Extensions.AI;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: ChatConsole <model.gguf> [template.jinja]");
    return 2;
}

using var model = LanguageModel.Load(args[0], new ModelLoadOptions { ContextLength = 4096 });
using var chat = new MetalCoreChatClient(model, new MetalCoreChatClientOptions
{
    ChatTemplate = args.Length > 1 ? File.ReadAllText(args[1]) : null,
});
Console.WriteLine($"{model.Name} on {model.DeviceName}. Empty line to quit.");

List<ChatMessage> history = [new(ChatRole.System, "You are a helpful assistant.")];
var options = new ChatOptions { Temperature = 0.7f, TopP = 0.9f, MaxOutputTokens = 1024 };
CancellationTokenSource? reply = null;
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl+C ends the reply being written, not the program.
    e.Cancel = reply is not null;
    reply?.Cancel();
};

while (true)
{
    Console.Write("\n> ");
    var line = Console.ReadLine();
    if (string.IsNullOrWhiteSpace(line))
    {
        return 0;
    }
    if (line.Trim() == "/reset")
    {
        history.RemoveRange(1, history.Count - 1);
        continue;
    }
    history.Add(new ChatMessage(ChatRole.User, line));
    using (reply = new CancellationTokenSource())
    {
        List<ChatResponseUpdate> updates = [];
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(history, options, reply.Token))
            {
                Console.Write(update.Text);
                updates.Add(update);
            }
        }
        catch (OperationCanceledException)
        {
            Console.Write(" [stopped]");
        }
        // What was written, even if stopped, is the assistant's turn.
        history.AddMessages(updates);
        if (updates.LastOrDefault()?.Contents.OfType<UsageContent>().FirstOrDefault()?.Details is { } usage)
        {
            Console.Write($"\n  [{usage.OutputTokenCount} tokens; {usage.CachedInputTokenCount} of {usage.InputTokenCount} prompt tokens were cached]");
        }
    }
    reply = null;
}
