// Microsoft.Extensions.AI's IChatClient over a local model, in a few calls: a reply, a streamed
// reply, the options it honours, usage and finish reason, and the client's metadata.
//   dotnet run --project samples/ChatClientBasics -- model.gguf [template.jinja]
// The template argument is for models that ship without a chat template.
using MetalCore;
using MetalCore.Chat;
using Microsoft.Extensions.AI;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: ChatClientBasics <model.gguf> [template.jinja]");
    return 2;
}

using var model = LanguageModel.Load(args[0]);
IChatClient client = new MetalCoreChatClient(model, new MetalCoreChatClientOptions
{
    ChatTemplate = args.Length > 1 ? File.ReadAllText(args[1]) : null,
});

var metadata = client.GetService<ChatClientMetadata>()!;
Console.WriteLine($"provider {metadata.ProviderName}, model {metadata.DefaultModelId}");

// One reply: greedy unless the options say otherwise.
var response = await client.GetResponseAsync("Write one sentence about the sea.");
Console.WriteLine(response.Text);
Console.WriteLine($"  finish: {response.FinishReason}, tokens in/out: {response.Usage?.InputTokenCount}/{response.Usage?.OutputTokenCount}");

// Sampling that is repeatable (Seed), limited (MaxOutputTokens) and cut at a stop text of any
// length; min_p and the repetition penalty travel in AdditionalProperties.
var options = new ChatOptions
{
    Temperature = 0.8f,
    TopK = 40,
    TopP = 0.95f,
    Seed = 1234,
    MaxOutputTokens = 200,
    StopSequences = ["\n\n"],
    PresencePenalty = 0.2f,
    AdditionalProperties = new() { ["min_p"] = 0.05, ["repeat_penalty"] = 1.1 },
};

// A streamed reply: text as it is generated, usage and finish reason in the last update.
await foreach (var update in client.GetStreamingResponseAsync("Tell a very short story about a lighthouse.", options))
{
    Console.Write(update.Text);
    if (update.FinishReason is { } finish)
    {
        Console.WriteLine($"\n  finish: {finish}");
    }
}
return 0;
