using System.Text.Json;
using Microsoft.Extensions.AI;

namespace MetalCore.Tests.Chat;

/// <summary>
/// Every ChatOptions field the client honours, checked against generation recomputed from the
/// definitions (<see cref="ReferenceGeneration"/>) and, where one exists, against a property that
/// needs no reference at all (top-k 1 is greedy; a huge frequency penalty never repeats a token).
/// </summary>
[TestFixture]
public class ChatClientOptionsTests : ChatClientFixture
{
    private static readonly ReferenceSampling s_greedy = new();

    [Test]
    public async Task WithoutOptionsTheReplyIsGreedy()
    {
        using var client = Client();

        var response = await client.GetResponseAsync(Story());

        Assert.That(response.Text, Is.EqualTo(ReferenceText(Story(), s_greedy)));
        Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Length));
        Assert.That(response.Messages.Single().Role, Is.EqualTo(ChatRole.Assistant));
    }

    [Test]
    public async Task UsageCountsPromptAndReplyTokens()
    {
        using var client = Client();

        var usage = (await client.GetResponseAsync(Story())).Usage!;

        Assert.That(usage.InputTokenCount, Is.EqualTo(PromptTokens(Story()).Length));
        Assert.That(usage.OutputTokenCount, Is.EqualTo(DefaultMaxTokens));
        Assert.That(usage.TotalTokenCount, Is.EqualTo(usage.InputTokenCount + usage.OutputTokenCount));
        Assert.That(usage.CachedInputTokenCount, Is.Zero);
    }

    [TestCase(1)]
    [TestCase(7)]
    public async Task MaxOutputTokensLimitsTheReply(int limit)
    {
        using var client = Client();

        var response = await client.GetResponseAsync(Story(), new ChatOptions { MaxOutputTokens = limit });

        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(limit));
        Assert.That(response.Text, Is.EqualTo(ReferenceText(Story(), s_greedy, limit)));
        Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Length));
    }

    [Test]
    public async Task AStopSequenceOfSeveralTokensEndsTheReplyBeforeIt()
    {
        using var client = Client();
        var tokens = ReferenceTokens(Story(), s_greedy);
        var full = ReferenceGeneration.Text(Model, tokens);
        // Ten characters from the middle of the reply: several of this 512-token vocabulary's tokens.
        var stop = full.Substring(full.Length / 2, 10);
        var stopTokens = Model.Tokenizer!.Encode(stop);
        Assume.That(stopTokens, Has.Length.GreaterThan(1), $"'{stop}' should span several tokens");
        // The reply ends with the first token whose text completes the stop sequence.
        var producedUntilStop = Enumerable.Range(1, tokens.Count).First(n => ReferenceGeneration.Text(Model, tokens.Take(n)).Contains(stop, StringComparison.Ordinal));

        var response = await client.GetResponseAsync(Story(), new ChatOptions { StopSequences = ["never appears", stop] });

        Assert.That(response.Text, Is.EqualTo(full[..full.IndexOf(stop, StringComparison.Ordinal)]));
        Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(producedUntilStop));
    }

    [Test]
    public async Task SeedMakesSamplingReproducible()
    {
        using var client = Client();
        ChatOptions Options(long seed) => new() { Temperature = 1f, Seed = seed };

        var first = await ReplyAsync(client, Story(), Options(42));
        var again = await ReplyAsync(client, Story(), Options(42));
        var other = await ReplyAsync(client, Story(), Options(43));

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
        Assert.That(first, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1f, Seed: 42))));
    }

    [Test]
    public async Task ANegativeSeedKeepsItsBits()
    {
        using var client = Client();

        var reply = await ReplyAsync(client, Story(), new ChatOptions { Temperature = 1f, Seed = -5 });

        Assert.That(reply, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1f, Seed: unchecked((ulong)-5L)))));
    }

    [TestCase(0.7f)]
    [TestCase(1.6f)]
    public async Task TemperatureScalesTheLogits(float temperature)
    {
        using var client = Client();

        var reply = await ReplyAsync(client, Story(), new ChatOptions { Temperature = temperature, Seed = 7 });

        Assert.That(reply, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: temperature, Seed: 7))));
        Assert.That(reply, Is.Not.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [Test]
    public async Task TopKKeepsTheKMostLikelyTokens()
    {
        using var client = Client();

        var topFive = await ReplyAsync(client, Story(), new ChatOptions { Temperature = 1.5f, TopK = 5, Seed = 3 });
        var topOne = await ReplyAsync(client, Story(), new ChatOptions { Temperature = 1.5f, TopK = 1, Seed = 3 });

        Assert.That(topFive, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1.5f, TopK: 5, Seed: 3))));
        Assert.That(topOne, Is.EqualTo(ReferenceText(Story(), s_greedy)), "top-k 1 leaves only the most likely token");
    }

    [Test]
    public async Task TopPKeepsTheSmallestLikelySet()
    {
        using var client = Client();

        var nucleus = await ReplyAsync(client, Story(), new ChatOptions { Temperature = 1.5f, TopP = 0.6f, Seed = 11 });
        var tiny = await ReplyAsync(client, Story(), new ChatOptions { Temperature = 1.5f, TopP = 1e-6f, Seed = 11 });

        Assert.That(nucleus, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1.5f, TopP: 0.6f, Seed: 11))));
        Assert.That(tiny, Is.EqualTo(ReferenceText(Story(), s_greedy)), "a tiny top-p leaves only the most likely token");
    }

    [Test]
    public async Task MinPComesThroughAdditionalPropertiesInAnyNumericForm()
    {
        using var client = Client();
        var expected = ReferenceText(Story(), new ReferenceSampling(Temperature: 1.5f, MinP: 0.2f, Seed: 5));
        ChatOptions Options(object minP) => new() { Temperature = 1.5f, Seed = 5, AdditionalProperties = new() { ["min_p"] = minP } };

        foreach (var form in new object[] { 0.2, 0.2f, 0.2m, "0.2", JsonDocument.Parse("0.2").RootElement })
        {
            Assert.That(await ReplyAsync(client, Story(), Options(form)), Is.EqualTo(expected), $"min_p as {form.GetType().Name}");
        }
        Assert.That(await ReplyAsync(client, Story(), Options(0.999)), Is.EqualTo(ReferenceText(Story(), s_greedy)),
            "min-p near 1 leaves only the most likely token");
    }

    [Test]
    public async Task FrequencyPenaltySubtractsPerOccurrence()
    {
        using var client = Client();

        var reply = await ReplyAsync(client, Story(), new ChatOptions { FrequencyPenalty = 0.7f });

        Assert.That(reply, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(FrequencyPenalty: 0.7f))));
        Assert.That(reply, Is.Not.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [Test]
    public async Task PresencePenaltySubtractsOncePerSeenToken()
    {
        using var client = Client();

        var reply = await ReplyAsync(client, Story(), new ChatOptions { PresencePenalty = 1.5f });

        Assert.That(reply, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(PresencePenalty: 1.5f))));
        Assert.That(reply, Is.Not.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [TestCase("frequency")]
    [TestCase("presence")]
    public async Task AHugePenaltyNeverRepeatsATokenInsideTheWindow(string kind)
    {
        using var client = Client();
        var options = kind == "frequency" ? new ChatOptions { FrequencyPenalty = 1000f } : new ChatOptions { PresencePenalty = 1000f };

        var response = await client.GetResponseAsync(Story(), options);

        var prompt = PromptTokens(Story());
        // The reply is the reference's (checked), and the reference's tokens never repeat.
        var all = prompt.Concat(ReferenceTokens(Story(), kind == "frequency"
            ? new ReferenceSampling(FrequencyPenalty: 1000f) : new ReferenceSampling(PresencePenalty: 1000f))).ToList();
        Assert.That(ReferenceGeneration.Text(Model, all.Skip(prompt.Length)), Is.EqualTo(response.Text));
        Assert.That(all, Has.Count.EqualTo(prompt.Length + DefaultMaxTokens));
        for (var i = prompt.Length; i < all.Count; i++)
        {
            var window = all.Skip(Math.Max(0, i - 64)).Take(i - Math.Max(0, i - 64));
            Assert.That(window, Does.Not.Contain(all[i]), $"token {i} ({all[i]}) repeats within the 64-token window");
        }
    }

    [Test]
    public async Task RepeatPenaltyAndWindowComeThroughAdditionalProperties()
    {
        using var client = Client();
        var options = new ChatOptions { AdditionalProperties = new() { ["repeat_penalty"] = 1.8, ["repeat_last_n"] = 16 } };

        var reply = await ReplyAsync(client, Story(), options);

        Assert.That(reply, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(RepetitionPenalty: 1.8f, PenaltyWindow: 16))));
        Assert.That(reply, Is.Not.EqualTo(ReferenceText(Story(), s_greedy)));
    }

    [Test]
    public async Task ModelIdMustNameTheClientsModel()
    {
        using var client = Client(new() { ModelId = "stories" });

        var response = await client.GetResponseAsync(Story(), new ChatOptions { ModelId = "Stories", MaxOutputTokens = 2 });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Story(), new ChatOptions { ModelId = "gpt-4o" }));

        Assert.That(response.ModelId, Is.EqualTo("stories"));
        Assert.That(e!.Message, Does.Contain("gpt-4o").And.Contain("stories"));
    }

    [Test]
    public async Task InstructionsAreASystemMessageBeforeTheConversation()
    {
        using var client = Client();
        var instructions = "Once upon a time, ";

        var withInstructions = await client.GetResponseAsync(Story("there was a dog."), new ChatOptions { Instructions = instructions });
        List<ChatMessage> explicitSystem = [new(ChatRole.System, instructions), .. Story("there was a dog.")];

        Assert.That(withInstructions.Text, Is.EqualTo(ReferenceText(explicitSystem, s_greedy)));
        Assert.That(withInstructions.Usage!.InputTokenCount, Is.EqualTo(PromptTokens(explicitSystem).Length));
    }

    [Test]
    public async Task DefaultsApplyWhereTheRequestIsSilent()
    {
        using var client = Client(new() { Defaults = new() { MaxTokens = 5, Sampling = new() { Temperature = 1f, Seed = 9 } } });

        var reply = await client.GetResponseAsync(Story());
        var overridden = await client.GetResponseAsync(Story(), new ChatOptions { Temperature = 0f, MaxOutputTokens = 3 });

        Assert.That(reply.Text, Is.EqualTo(ReferenceText(Story(), new ReferenceSampling(Temperature: 1f, Seed: 9), 5)));
        Assert.That(overridden.Text, Is.EqualTo(ReferenceText(Story(), s_greedy, 3)));
    }
}
