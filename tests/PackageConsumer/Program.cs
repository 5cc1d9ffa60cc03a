// The whole program of the brand-new console project that tests/MetalCore.Tests/Packaging/
// ConsumerProjectTests.cs creates outside the repository: it knows MetalCore only through its
// NuGet package. Not part of any project here (the test copies it in).
//   dotnet run -- <model.gguf>   TEXT: a greedy continuation of BOS; CHAT: a chat client reply
//   dotnet run                   TOKENS: greedy tokens of a synthetic model (no files needed)
using MetalCore;
using MetalCore.Chat;
using MetalCore.Generation;
using MetalCore.ModelFiles;
using MetalCore.Runtime;
using Microsoft.Extensions.AI;

var options = new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 128, Threads = 1 };
if (args.Length > 0)
{
    using var model = LanguageModel.Load(args[0], options);
    using var generator = model.CreateGenerator();
    var text = string.Concat(generator.Generate([model.Tokenizer!.BosTokenId!.Value], new GenerationOptions { MaxTokens = 30 }));
    Console.WriteLine($"TEXT {Escape(text)}");

    using IChatClient chat = new MetalCoreChatClient(model, new() { ChatTemplate = "{% for m in messages %}{{ m.content }}{% endfor %}" });
    var reply = await chat.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 10 });
    Console.WriteLine($"CHAT {Escape(reply.Text)}");
    Console.WriteLine($"USAGE {reply.Usage?.OutputTokenCount} {reply.FinishReason}");
}
else
{
    using var model = LanguageModel.CreateSynthetic("SmolLM2-135M", GgmlType.Q8_0, options);
    using var session = model.CreateSession();
    List<int> tokens = [session.AppendGreedy([1, 2, 3])];
    while (tokens.Count < 4)
    {
        tokens.Add(session.AppendGreedy([tokens[^1]]));
    }
    Console.WriteLine($"TOKENS {string.Join(' ', tokens)}");
}

static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");
