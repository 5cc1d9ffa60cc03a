using MetalCore.Chat;
using MetalCore.Generation;
using MetalCore.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace MetalCore.Tests.Chat;

/// <summary>
/// stories260K (a story model, not a chat model) behind a chat template that concatenates the
/// messages: every reply is a story continuation, so what the client generates can be recomputed
/// independently with <see cref="ReferenceGeneration"/>.
/// </summary>
public abstract class ChatClientFixture
{
    /// <summary>Writes each message's content, nothing else.</summary>
    protected const string ConcatenatingTemplate = "{% for message in messages %}{{ message['content'] }}{% endfor %}";

    /// <summary>Replies are at most this long unless a test says otherwise.</summary>
    protected const int DefaultMaxTokens = 40;

    private LanguageModel? _model;

    protected LanguageModel Model => _model!;

    [OneTimeSetUp]
    public void LoadModel() => _model = Stories260K.Load(contextLength: 256);

    [OneTimeTearDown]
    public void DisposeModel() => _model?.Dispose();

    protected static List<ChatMessage> Story(string text = "Once upon a time, there was a little girl named Lily.") =>
        [new ChatMessage(ChatRole.User, text)];

    protected MetalCoreChatClient Client(MetalCoreChatClientOptions? options = null) => new(Model, (options ?? new()) with
    {
        ChatTemplate = options?.ChatTemplate ?? ConcatenatingTemplate,
        Defaults = options?.Defaults ?? new GenerationOptions { MaxTokens = DefaultMaxTokens },
    });

    /// <summary>The prompt tokens of a conversation under the concatenating template: BOS, then the
    /// contents (control-token text parsed, as chat prompts are).</summary>
    protected int[] PromptTokens(IEnumerable<ChatMessage> messages) =>
        [Stories260K.Bos, .. Model.Tokenizer!.Encode(string.Concat(messages.Select(m => m.Text)), parseSpecial: true)];

    protected List<int> ReferenceTokens(IEnumerable<ChatMessage> messages, ReferenceSampling sampling, int count = DefaultMaxTokens) =>
        ReferenceGeneration.Tokens(Model, PromptTokens(messages), count, sampling);

    protected string ReferenceText(IEnumerable<ChatMessage> messages, ReferenceSampling sampling, int count = DefaultMaxTokens) =>
        ReferenceGeneration.Text(Model, ReferenceTokens(messages, sampling, count));

    protected static async Task<string> ReplyAsync(IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null) =>
        (await client.GetResponseAsync(messages, options)).Text;
}
