using MetalCore.Chat;
using Microsoft.Extensions.AI;

namespace MetalCore.Tests.Chat;

/// <summary>Streaming, cancellation, concurrent callers and the KV cache kept across requests.</summary>
[TestFixture]
public class ChatClientStreamingTests : ChatClientFixture
{
    private static readonly ReferenceSampling s_greedy = new();

    [Test]
    public async Task StreamingGivesTheReplyPieceByPieceThenUsageAndFinishReason()
    {
        using var client = Client();
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in client.GetStreamingResponseAsync(Story()))
        {
            updates.Add(update);
        }

        var text = string.Concat(updates.Select(u => u.Text));
        Assert.That(text, Is.EqualTo(ReferenceText(Story(), s_greedy)));
        Assert.That(updates.Count(u => u.Text.Length > 0), Is.GreaterThan(DefaultMaxTokens / 2), "the text comes in many pieces");
        Assert.That(updates[^1].FinishReason, Is.EqualTo(ChatFinishReason.Length));
        Assert.That(updates.Take(updates.Count - 1).All(u => u.FinishReason is null));
        var usage = updates[^1].Contents.OfType<UsageContent>().Single().Details;
        Assert.That(usage.OutputTokenCount, Is.EqualTo(DefaultMaxTokens));
        Assert.That(usage.InputTokenCount, Is.EqualTo(PromptTokens(Story()).Length));
        Assert.That(updates.Select(u => u.ResponseId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(updates.All(u => u.Role == ChatRole.Assistant && u.ModelId == client.ModelId));
    }

    [Test]
    public async Task AStreamedResponseCoalescesIntoTheNonStreamedOne()
    {
        using var client = Client();

        var streamed = await client.GetStreamingResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 12 }).ToChatResponseAsync();
        var whole = await client.GetResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 12 });

        Assert.That(streamed.Text, Is.EqualTo(whole.Text));
        Assert.That(streamed.FinishReason, Is.EqualTo(whole.FinishReason));
        Assert.That(streamed.Usage!.OutputTokenCount, Is.EqualTo(whole.Usage!.OutputTokenCount));
        Assert.That(streamed.Usage.InputTokenCount, Is.EqualTo(whole.Usage.InputTokenCount));
    }

    [Test]
    public async Task AFollowUpReusesTheCachedConversationAndAnswersAsAFreshClientWould()
    {
        using var client = Client();
        var conversation = Story();
        var first = await client.GetResponseAsync(conversation);
        var firstPrompt = PromptTokens(conversation);
        conversation.AddMessages(first);
        conversation.Add(new ChatMessage(ChatRole.User, " The next day, Lily"));

        var second = await client.GetResponseAsync(conversation);

        using var fresh = Client();
        var expected = await fresh.GetResponseAsync(conversation);
        Assert.That(second.Text, Is.EqualTo(expected.Text));
        Assert.That(second.Text, Is.EqualTo(ReferenceText(conversation, s_greedy)));
        // The cache held the first prompt and all but the last reply token; the second prompt
        // agrees with it as far as re-tokenizing the reply's text gives the same tokens.
        int[] cached = [.. firstPrompt, .. ReferenceTokens(Story(), s_greedy)[..^1]];
        var secondPrompt = PromptTokens(conversation);
        var common = cached.Zip(secondPrompt).TakeWhile(pair => pair.First == pair.Second).Count();
        Assert.That(second.Usage!.CachedInputTokenCount, Is.EqualTo(common));
        Assert.That(common, Is.GreaterThan(firstPrompt.Length));
        Assert.That(expected.Usage!.CachedInputTokenCount, Is.Zero);
    }

    [Test]
    public async Task CancellingAStreamStopsBeforeTheNextTokenAndThrows()
    {
        using var client = Client();
        using var cancellation = new CancellationTokenSource();
        var received = 0;

        var e = await Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 200 }, cancellation.Token))
            {
                received++;
                if (received == 3)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.That(e!.CancellationToken, Is.EqualTo(cancellation.Token));
        Assert.That(client.LastStatistics!.GeneratedTokens, Is.EqualTo(3), "no token is generated after the cancellation");
        // The client is still consistent: the next request answers as a fresh client does.
        Assert.That(await ReplyAsync(client, Story()), Is.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [Test]
    public void AnAlreadyCancelledRequestGeneratesNothing()
    {
        using var client = Client();
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(async () => await client.GetResponseAsync(Story(), cancellationToken: cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await client.GetStreamingResponseAsync(Story(), cancellationToken: cancellation.Token).ToChatResponseAsync(),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(client.LastStatistics, Is.Null, "no generation started");
    }

    [Test]
    public async Task StoppingTheEnumerationEndsTheGenerationAndFreesTheModel()
    {
        using var client = Client();
        await foreach (var update in client.GetStreamingResponseAsync(Story(), new ChatOptions { MaxOutputTokens = 200 }))
        {
            break;
        }

        Assert.That(client.LastStatistics!.GeneratedTokens, Is.EqualTo(1));
        Assert.That(await ReplyAsync(client, Story()), Is.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [Test]
    public async Task ARequestWaitingForItsTurnHonoursCancellation()
    {
        using var client = Client();
        // A stream paused after its first update holds the model.
        await using var holder = client.GetStreamingResponseAsync(Story()).GetAsyncEnumerator();
        Assert.That(await holder.MoveNextAsync(), Is.True);
        using var cancellation = new CancellationTokenSource();

        var waiting = client.GetResponseAsync(Story(), cancellationToken: cancellation.Token);
        Assert.That(waiting.IsCompleted, Is.False, "the second request waits for the first");
        cancellation.Cancel();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(client.LastStatistics, Is.Null, "the first request is still running");
    }

    [Test]
    public async Task ConcurrentRequestsEachGetTheirOwnAnswer()
    {
        using var client = Client();
        var seeds = Enumerable.Range(1, 6).ToArray();
        ChatOptions Options(int seed) => new() { Temperature = 1f, Seed = seed, MaxOutputTokens = 20 };

        var replies = await Task.WhenAll(seeds.Select(seed => Task.Run(async () => seed % 2 == 0
            ? await ReplyAsync(client, Story(), Options(seed))
            : (await client.GetStreamingResponseAsync(Story(), Options(seed)).ToChatResponseAsync()).Text)));

        for (var i = 0; i < seeds.Length; i++)
        {
            Assert.That(replies[i], Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1f, Seed: (ulong)seeds[i]), 20)), $"seed {seeds[i]}");
        }
    }

    [Test]
    public async Task ClientsSharingAModelTakeTurns()
    {
        using var first = Client();
        using var second = Client();

        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => ReplyAsync(i % 2 == 0 ? first : second, Story()))));

        Assert.That(replies, Has.All.EqualTo(ReferenceText(Story(), s_greedy)));
    }
}
